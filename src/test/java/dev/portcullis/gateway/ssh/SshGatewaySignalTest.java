package dev.portcullis.gateway.ssh;

import dev.portcullis.support.VendorSsh;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Interrupts and signals reach the remote command, and how it died reaches the vendor, as with plain OpenSSH. */
class SshGatewaySignalTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void ctrlCOnTheTerminalInterruptsTheRemoteCommand() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Running running = vendor.ssh().startTyping(target, List.of("-tt"),
                "trap 'echo got-INT; exit 42' INT; echo sleeping; sleep 60; echo not-interrupted");
        Screen screen = Screen.follow(running.process.getInputStream());
        screen.await("sleeping");
        // Ctrl-C is the terminal's intr character: the target's PTY turns it into SIGINT for the command.
        running.process.getOutputStream().write(3);
        running.process.getOutputStream().flush();
        VendorSsh.Run run = running.await(Duration.ofSeconds(30));

        assertThat(run.exitStatus()).as(run + screen.text()).isEqualTo(42);
        screen.awaitEnd();
        assertThat(screen.text()).contains("got-INT").doesNotContain("not-interrupted");
    }

    @Test
    void aRemoteCommandKilledByASignalEndsTheVendorsClientAsOpenSshDoes() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, "echo before; kill -TERM $$; echo after", "-v");

        // OpenSSH's client has no exit status to give for a command that died of a signal: it exits 255. The
        // target's exit-signal is what it received, not an exit status.
        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(255);
        assertThat(run.stdout()).isEqualTo("before\n");
        assertThat(run.stderr()).contains("rtype exit-signal").doesNotContain("rtype exit-status");
    }

    /** What the client printed so far, read continuously. */
    static final class Screen {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean ended;

        static Screen follow(InputStream in) {
            Screen screen = new Screen();
            Thread reader = new Thread(() -> screen.drain(in), "ssh-stdout");
            reader.setDaemon(true);
            reader.start();
            return screen;
        }

        private void drain(InputStream in) {
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (this) {
                        bytes.write(buffer, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the client went away
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        synchronized void await(String expected) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!text().contains(expected)) {
                long left = until - System.nanoTime();
                if (left <= 0 || ended) {
                    throw new AssertionError("the client did not print " + expected + "; it printed: " + text());
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized void awaitEnd() throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ended && System.nanoTime() < until) {
                TimeUnit.NANOSECONDS.timedWait(this, until - System.nanoTime());
            }
        }
    }
}
