package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.OpenSshTarget;
import dev.portcullis.support.VendorSsh;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A target registered with a host CA ({@code ssh.hostCa}) instead of a pinned key: an sshd presenting a host
 * certificate from that CA is accepted; a certificate from another CA, or a plain host key, is refused loudly
 * before anything is sent to it.
 */
class SshGatewayHostCaTest {

    static GatewayFixture fx;
    static KeyPair hostCa;
    static OpenSshTarget certified;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
        hostCa = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        certified = OpenSshTarget.start(fx.dir.resolve("data/ca/ssh_user_ca.pub"), hostCa);
    }

    @AfterAll
    static void stop() throws Exception {
        if (certified != null) {
            certified.close();
        }
    }

    @Test
    void acceptsAHostCertificateFromTheTargetsHostCa() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.unique("certified");
        fx.broker.sshTargetWithHostCa(target, "test", certified.host(), certified.port(), PublicKeyEntry.toString(hostCa.getPublic()));
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, "echo reached-$((20+1))");

        assertThat(run.exitStatus()).as(run.toString()).isZero();
        assertThat(run.stdout()).isEqualTo("reached-21\n");
    }

    @Test
    void refusesAHostCertificateFromAnotherCa() throws Exception {
        KeyPair otherCa = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.unique("foreign-ca");
        fx.broker.sshTargetWithHostCa(target, "test", certified.host(), certified.port(), PublicKeyEntry.toString(otherCa.getPublic()));
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        int mark = certified.logMark();

        VendorSsh.Run run = vendor.ssh().run(target, "echo should-not-run");

        assertRefusedLoudly(run, "a certificate from the host CA ssh-ed25519 " + KeyUtils.getFingerPrint(otherCa.getPublic()));
        UsedSession.awaitEnded(fx, grant);
        assertThat(fx.broker.session(fx.onlySession(grant)).orElseThrow().getString("end_reason")).isEqualTo("refused");
        assertThat(certified.log().lines().skip(mark)).noneMatch(l -> l.contains("Accepted"));
    }

    @Test
    void refusesAPlainHostKeyWhereACertificateIsRequired() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.unique("uncertified");
        // The shared sshd has a host key but no certificate.
        fx.broker.sshTargetWithHostCa(target, "test", fx.sshd.host(), fx.sshd.port(), PublicKeyEntry.toString(hostCa.getPublic()));
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        int mark = fx.sshd.logMark();

        VendorSsh.Run run = vendor.ssh().run(target, "echo should-not-run");

        assertRefusedLoudly(run, "presented host key ssh-ed25519 " + KeyUtils.getFingerPrint(fx.sshd.hostKey()));
        assertThat(run.stderr()).contains("a certificate from the host CA");
        assertThat(fx.sshd.log().lines().skip(mark)).noneMatch(l -> l.contains("Accepted"));
    }

    private static void assertRefusedLoudly(VendorSsh.Run run, String detail) {
        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(ChannelBridge.REFUSED_EXIT_STATUS);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("portcullis: REFUSED: the target").contains(detail).contains("possible man-in-the-middle");
    }
}
