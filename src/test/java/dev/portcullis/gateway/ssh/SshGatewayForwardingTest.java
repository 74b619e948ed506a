package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.VendorSsh;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Remote port forwarding ({@code ssh -R}) and agent forwarding ({@code ssh -A}) work only when the grant's scope
 * says {@code forwarding: true}: the target listens (never the broker) and its connections come back to the
 * vendor; the vendor's agent answers programs on the target. Without it both are refused and ledgered.
 */
class SshGatewayForwardingTest {

    static GatewayFixture fx;
    static Process agent;
    static Path agentSocket;
    static KeyPair agentKey;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
        Path dir = Files.createTempDirectory(fx.dir, "agent-");
        agentSocket = dir.resolve("agent.sock");
        // -D: in the foreground; it prints its environment lines once the socket listens.
        agent = new ProcessBuilder("ssh-agent", "-D", "-a", agentSocket.toString()).redirectErrorStream(true).start();
        String ready = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(ready).as("ssh-agent's first line").contains("SSH_AUTH_SOCK");
        agentKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Path keyFile = dir.resolve("agent_key");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(keyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(agentKey, "vendor-agent-key", null, out);
        }
        ProcessBuilder add = new ProcessBuilder("ssh-add", keyFile.toString()).redirectErrorStream(true);
        add.environment().put("SSH_AUTH_SOCK", agentSocket.toString());
        Process adding = add.start();
        String said = new String(adding.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(adding.waitFor(30, TimeUnit.SECONDS) && adding.exitValue() == 0).as("ssh-add: " + said).isTrue();
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.destroy();
        }
    }

    static Map<String, Object> shellAndForwarding() {
        return Map.of("principals", List.of("root"), "interactive", true, "forwarding", true);
    }

    @Test
    void remoteForwardBringsTargetSideConnectionsToTheVendorsListener() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, shellAndForwarding());
        try (ServerSocket vendorListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> heard = answerOnce(vendorListener, "hello-from-the-vendor-side");
            int targetPort = freePort();

            // On the target: connect to the port sshd listens on for the forward, say something, print the answer.
            VendorSsh.Run run = vendor.ssh().run(target,
                    "exec 3<>/dev/tcp/127.0.0.1/" + targetPort + "; echo hello-from-the-target >&3; head -n1 <&3",
                    "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:" + targetPort + ":127.0.0.1:" + vendorListener.getLocalPort());

            assertThat(run.exitStatus()).as(run.toString()).isZero();
            assertThat(run.stdout()).isEqualTo("hello-from-the-vendor-side\n");
            assertThat(heard.get(30, TimeUnit.SECONDS)).isEqualTo("hello-from-the-target");
        }
        UsedSession.awaitEnded(fx, grant);
    }

    @Test
    void remoteForwardIsRefusedAndLedgeredWithoutForwardingInScope() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        int targetPort = freePort();

        VendorSsh.Run strict = vendor.ssh().run(target, "echo should-not-run", "-o", "ExitOnForwardFailure=yes",
                "-R", "127.0.0.1:" + targetPort + ":127.0.0.1:9");
        // Without ExitOnForwardFailure the command still runs, as with sshd's AllowTcpForwarding no; the target
        // never listened.
        VendorSsh.Run lenient = vendor.ssh().run(target, "exec 3<>/dev/tcp/127.0.0.1/" + targetPort + " && echo reached || echo nothing-listens",
                "-R", "127.0.0.1:" + targetPort + ":127.0.0.1:9");

        assertThat(strict.exitStatus()).as(strict.toString()).isEqualTo(255);
        assertThat(strict.stderr()).contains("remote port forwarding failed");
        assertThat(strict.stdout()).isEmpty();
        assertThat(lenient.stdout()).as(lenient.toString()).isEqualTo("nothing-listens\n");
        assertThat(lenient.stderr()).contains("remote port forwarding failed");
        fx.awaitLedger("grant:" + grant.id(), e -> "access.refused".equals(e.type())
                && "out_of_scope".equals(SshGatewayRefusalTest.payload(e).get("reason"))
                && ("ssh remote forward as root from 127.0.0.1:" + targetPort).equals(SshGatewayRefusalTest.payload(e).get("action")));
    }

    @Test
    void forwardedAgentListsTheVendorsKeyOnTheTarget() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, shellAndForwarding());

        vendor.ssh().environment.put("SSH_AUTH_SOCK", agentSocket.toString());

        VendorSsh.Run run = vendor.ssh().run(target, "ssh-add -l", "-A");

        assertThat(run.exitStatus()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains(KeyUtils.getFingerPrint(agentKey.getPublic())).contains("vendor-agent-key");
    }

    @Test
    void agentForwardingIsRefusedAndLedgeredWithoutForwardingInScope() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        vendor.ssh().environment.put("SSH_AUTH_SOCK", agentSocket.toString());

        VendorSsh.Run run = vendor.ssh().run(target, "echo ${SSH_AUTH_SOCK:-no-agent}; ssh-add -l", "-A");

        // ssh-add: 2 = it could not reach an agent at all.
        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(2);
        assertThat(run.stdout()).startsWith("no-agent\n").doesNotContain(KeyUtils.getFingerPrint(agentKey.getPublic()));
        fx.awaitLedger("grant:" + grant.id(), e -> "access.refused".equals(e.type())
                && "out_of_scope".equals(SshGatewayRefusalTest.payload(e).get("reason"))
                && "ssh agent forwarding as root".equals(SshGatewayRefusalTest.payload(e).get("action")));
    }

    /** Accepts one connection, reads a line, answers {@code answer}; completes with the line read. */
    private static CompletableFuture<String> answerOnce(ServerSocket listener, String answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = listener.accept()) {
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                s.getOutputStream().write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                return line;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
