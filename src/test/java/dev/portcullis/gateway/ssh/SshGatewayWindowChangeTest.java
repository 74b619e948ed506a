package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A terminal resized on the vendor's side is resized on the target: checked with MINA's client as the vendor
 * (OpenSSH's client resizes only on SIGWINCH from a real terminal) and the real sshd as the target.
 */
class SshGatewayWindowChangeTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    /** Collects what the shell prints and lets the test wait for a piece of it. */
    static final class Screen extends OutputStream {
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(int b) {
            text.append((char) b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            text.append(new String(b, off, len, StandardCharsets.UTF_8));
            notifyAll();
        }

        synchronized void await(String expected) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (text.indexOf(expected) < 0) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the shell never printed '" + expected + "'; it printed: " + text);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    @Test
    void aResizedTerminalIsResizedOnTheTarget() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        java.security.PublicKey pinned = PublicKeyEntry.parsePublicKeyEntry(fx.gateway.hostKeyLine()).resolvePublicKey(null, null, null);

        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
            client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
            client.setServerKeyVerifier((session, address, key) -> KeyUtils.compareKeys(pinned, key));
            client.start();
            try (ClientSession session = client.connect(target, "127.0.0.1", fx.gateway.port()).verify(Duration.ofSeconds(15)).getSession()) {
                session.addPublicKeyIdentity(vendor.ssh().key);
                session.auth().verify(Duration.ofSeconds(15));
                try (ChannelShell shell = session.createShellChannel()) {
                    shell.setPtyType("xterm");
                    shell.setPtyColumns(80);
                    shell.setPtyLines(24);
                    PipedOutputStream keyboard = new PipedOutputStream();
                    shell.setIn(new PipedInputStream(keyboard, 64 * 1024));
                    Screen screen = new Screen();
                    shell.setOut(screen);
                    shell.setErr(screen);
                    shell.open().verify(Duration.ofSeconds(15));

                    // The quotes keep the marker out of the terminal's echo of the typed line.
                    type(keyboard, "stty size; echo DONE'-'1\n");
                    screen.await("DONE-1");
                    screen.await("24 80");

                    shell.sendWindowChange(132, 43);
                    type(keyboard, "stty size; echo DONE'-'2\n");
                    screen.await("DONE-2");
                    screen.await("43 132");

                    type(keyboard, "exit 0\n");
                    shell.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(15));
                    assertThat(shell.getExitStatus()).isZero();
                }
            }
        }
        UsedSession.awaitEnded(fx, grant);
        assertThat(fx.broker.session(fx.onlySession(grant)).orElseThrow().getString("end_reason")).isEqualTo("client_exit");
    }

    private static void type(PipedOutputStream keyboard, String line) throws Exception {
        keyboard.write(line.getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }
}
