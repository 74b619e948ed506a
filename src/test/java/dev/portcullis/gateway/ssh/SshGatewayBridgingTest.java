package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.VendorSsh;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** What a vendor does through the gateway works as it does with plain OpenSSH. */
class SshGatewayBridgingTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void execReturnsStdoutStderrAndExitStatus() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, "echo out-$((6*7)); echo err-line >&2; exit 7");

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("out-42\n");
        assertThat(run.stderr()).contains("err-line");
        UsedSession.awaitEnded(fx, grant);
        assertThat(fx.broker.session(fx.onlySession(grant)).orElseThrow().getString("end_reason")).isEqualTo("client_exit");
    }

    @Test
    void shellGetsATerminalOfTheVendorsTypeAndItsOutputAndExitStatus() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, List.of("-tt"), null,
                "echo TERM=$TERM; tty; exit 3\n".getBytes(StandardCharsets.UTF_8));

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(3);
        assertThat(run.stdout()).contains("TERM=xterm-256color").containsPattern("/dev/pts/[0-9]+");
    }

    @Test
    void vendorKeysOfEveryTypeAuthenticate() throws Exception {
        String target = fx.target("test");
        for (Object[] type : new Object[][]{{KeyPairProvider.ECDSA_SHA2_NISTP256, 256}, {KeyPairProvider.SSH_RSA, 3072},
                {KeyPairProvider.SSH_ED25519, 256}}) {
            GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"), (String) type[0], (Integer) type[1]);
            fx.grant(vendor, target, GatewayFixture.shellAsRoot());

            VendorSsh.Run run = vendor.ssh().run(target, "echo key-ok");

            assertThat(run.exitStatus()).as(type[0] + ": " + run).isZero();
            assertThat(run.stdout()).isEqualTo("key-ok\n");
        }
    }

    @Test
    void unixUserIsChosenWithPlusWhenTheGrantAllowsSeveral() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, Map.of("principals", List.of("root", "nobody"), "interactive", true));

        VendorSsh.Run ambiguous = vendor.ssh().run(target, "id -un");
        VendorSsh.Run chosen = vendor.ssh().run("root+" + target, "id -un");

        assertThat(ambiguous.exitStatus()).isEqualTo(255);
        assertThat(ambiguous.stderr()).contains("allows several unix users [root, nobody]").contains("root+" + target);
        assertThat(chosen.exitStatus()).as(chosen.toString()).isZero();
        assertThat(chosen.stdout()).isEqualTo("root\n");
    }

    @Test
    void portForwardAllowedByTheScopeIsOpenedFromTheTarget() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, Map.of("principals", List.of("root"), "interactive", true, "forwarding", true));

        // ssh -W: the vendor's stdio is connected to 127.0.0.1:<sshd port> as seen from the target — its own sshd.
        VendorSsh.Run run = vendor.ssh().run(target, List.of("-W", "127.0.0.1:" + fx.sshd.port()), null,
                "SSH-2.0-PortcullisForwardTest\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(run.stdout()).as(run.toString()).startsWith("SSH-2.0-OpenSSH");
        UsedSession.awaitEnded(fx, grant);
        assertThat(Files.readAllLines(fx.gateway.recording(fx.onlySession(grant))))
                .anyMatch(l -> l.endsWith(", \"m\", \"portcullis: forwarding to 127.0.0.1:" + fx.sshd.port() + "\"]"));
    }

    @Test
    void sixtyFourMebibytesArriveIntactInBothDirections() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("quiet");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        Path file = fx.dir.resolve(fx.unique("payload") + ".bin");
        byte[] block = new byte[1 << 20];
        Random random = new Random(42);
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 64; i++) {
                random.nextBytes(block);
                out.write(block);
                expected.update(block);
            }
        }
        String sha256 = HexFormat.of().formatHex(expected.digest());

        // Target to vendor: the vendor hashes every byte it receives.
        VendorSsh.Running download = vendor.ssh().start(target, List.of(), "cat " + file, null, false);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long count = 0;
        try (InputStream in = download.process.getInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; count += n) {
                received.update(buffer, 0, n);
            }
        }
        VendorSsh.Run downloaded = download.await(VendorSsh.DEADLINE);
        assertThat(count).as(downloaded.toString()).isEqualTo(64L << 20);
        assertThat(downloaded.exitStatus()).isZero();
        assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(sha256);

        // Vendor to target: the target hashes every byte it receives (and sees EOF, or sha256sum would not finish).
        VendorSsh.Run upload = vendor.ssh().start(target, List.of(), "sha256sum", file).await(VendorSsh.DEADLINE);
        assertThat(upload.exitStatus()).as(upload.toString()).isZero();
        assertThat(upload.stdout()).startsWith(sha256 + "  -");
    }
}
