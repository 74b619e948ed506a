package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.support.VendorSsh;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever is refused is refused before anything reaches the target, with a reason the vendor can read. */
class SshGatewayRefusalTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void refusesVendorWithoutGrant() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");

        VendorSsh.Run run = vendor.ssh().run(target, "echo should-not-run");

        assertRefused(run, "portcullis: refused: no grant for this identity and target");
        assertThat(refusals(target)).anyMatch(e -> "no_grant".equals(payload(e).get("reason"))
                && vendor.principal().name().equals(e.actor()));
    }

    @Test
    void refusesAnotherVendorsGrant() throws Exception {
        GatewayFixture.Vendor holder = fx.vendor(fx.unique("vendor"));
        GatewayFixture.Vendor other = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(holder, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = other.ssh().run(target, "echo should-not-run");

        assertRefused(run, "no grant for this identity and target");
    }

    @Test
    void refusesUnknownTarget() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run("root+no-such-host", "echo should-not-run");

        assertRefused(run, "portcullis: refused: the target is not registered: no-such-host");
    }

    @Test
    void refusesClosedWindow() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Instant now = Instant.now();
        fx.broker.grant(vendor.principal(), target, GatewayFixture.shellAsRoot(), now.minusSeconds(1), now.plusMillis(600), 5);
        fx.broker.await(fx.broker.vertx.timer(Math.max(1, Duration.between(Instant.now(), now.plusMillis(700)).toMillis())));

        VendorSsh.Run run = vendor.ssh().run(target, "echo should-not-run");

        assertRefused(run, "portcullis: refused: the grant's window has closed");
    }

    @Test
    void refusesWhenSessionCountIsUsedUp() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Instant now = Instant.now();
        Grant grant = fx.broker.grant(vendor.principal(), target, GatewayFixture.shellAsRoot(), now.minusSeconds(1),
                now.plus(Duration.ofHours(1)), 1);

        VendorSsh.Run first = vendor.ssh().run(target, "echo first");
        VendorSsh.Run second = vendor.ssh().run(target, "echo second");

        assertThat(first.stdout()).as(first.toString()).isEqualTo("first\n");
        assertRefused(second, "portcullis: refused: the grant's session count is used up: 1 of 1 used");
        assertThat(fx.broker.sessionsOf(grant.id())).hasSize(1);
    }

    @Test
    void refusesUnregisteredKeyWithItsFingerprint() throws Exception {
        GatewayFixture.Vendor registered = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(registered, target, GatewayFixture.shellAsRoot());
        VendorSsh stranger = VendorSsh.create(fx.dir.resolve(fx.unique("stranger")), KeyPairProvider.SSH_ED25519, 256,
                fx.gateway.port(), fx.gateway.hostKeyLine());
        String fingerprint = KeyUtils.getFingerPrint(stranger.key.getPublic());

        VendorSsh.Run run = stranger.run(target, "echo should-not-run");

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(255);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("portcullis: key " + fingerprint + " (ssh-ed25519) is not registered for any principal")
                .contains("Permission denied (publickey)");
        fx.awaitLedger("target:" + target, e -> "access.refused".equals(e.type())
                && String.valueOf(payload(e).get("keys")).contains(fingerprint));
    }

    @Test
    void refusesCommandOutsideTheExecAllowList() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, Map.of("principals", List.of("root"), "exec", List.of("echo allowed *")));

        VendorSsh.Run allowed = vendor.ssh().run(target, "echo allowed yes");
        VendorSsh.Run other = vendor.ssh().run(target, "id");
        VendorSsh.Run shell = vendor.ssh().run(target, List.of("-tt"), null, "id\nexit\n".getBytes());

        assertThat(allowed.stdout()).as(allowed.toString()).isEqualTo("allowed yes\n");
        assertRefused(other, "portcullis: refused: the action is outside the grant's scope: ssh exec as root: id");
        assertThat(shell.exitStatus()).isEqualTo(255);
        assertThat(shell.stderr()).contains("the action is outside the grant's scope: ssh shell as root");
    }

    @Test
    void refusesSubsystemOutsideScope() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, "sftp", "-s");

        assertRefused(run, "the action is outside the grant's scope: ssh subsystem sftp as root");
    }

    @Test
    void refusesPortForwarding() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run local = vendor.ssh().run(target, null, "-W", "127.0.0.1:" + fx.sshd.port());
        VendorSsh.Run remote = vendor.ssh().run(target, "echo should-not-run", "-o", "ExitOnForwardFailure=yes",
                "-R", "0:127.0.0.1:" + fx.sshd.port());
        VendorSsh.Run agent = vendor.ssh().run(target, "echo ${SSH_AUTH_SOCK:-no-agent}", "-A");

        assertThat(local.exitStatus()).as(local.toString()).isEqualTo(255);
        // MINA 2.20 sends its own generic text with the reason code; the ledger has the precise refusal.
        assertThat(local.stderr()).contains("open failed: administratively prohibited");
        fx.awaitLedger("grant:" + grant.id(), e -> "access.refused".equals(e.type())
                && "out_of_scope".equals(payload(e).get("reason"))
                && ("ssh forward as root to 127.0.0.1:" + fx.sshd.port()).equals(payload(e).get("action")));
        assertThat(remote.exitStatus()).as(remote.toString()).isEqualTo(255);
        assertThat(remote.stderr()).contains("remote port forwarding failed");
        assertThat(remote.stdout()).isEmpty();
        assertThat(agent.stdout()).as(agent.toString()).isEqualTo("no-agent\n");
    }

    @Test
    void refusesTargetPresentingAnotherHostKey() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.unique("impostor");
        String pinned = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
        fx.broker.sshTarget(target, "test", fx.sshd.host(), fx.sshd.port(), pinned);
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        int mark = fx.sshd.logMark();

        VendorSsh.Run run = vendor.ssh().run(target, "echo should-not-run");

        assertRefused(run, "portcullis: REFUSED: the target 127.0.0.1:" + fx.sshd.port() + " presented host key ssh-ed25519 "
                + KeyUtils.getFingerPrint(fx.sshd.hostKey()));
        assertThat(run.stderr()).contains("possible man-in-the-middle");
        UsedSession.awaitEnded(fx, grant);
        assertThat(fx.broker.session(fx.onlySession(grant)).orElseThrow().getString("end_reason")).isEqualTo("refused");
        // The broker hung up during key exchange: sshd never saw a login attempt.
        assertThat(fx.sshd.log().lines().skip(mark)).noneMatch(l -> l.contains("publickey") || l.contains("Accepted"));
    }

    @Test
    void vendorsAreOfferedAesGcmAndAClientWithoutItIsRefusedAtKeyExchange() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run modern = vendor.ssh().run(target, "echo via-gcm", "-v");
        assertThat(modern.exitStatus()).as(modern.toString()).isZero();
        assertThat(modern.stderr()).contains("kex: server->client cipher: aes128-gcm@openssh.com");

        VendorSsh.Run old = vendor.ssh().run(target, "echo should-not-run", "-o", "Ciphers=aes128-ctr");
        assertThat(old.exitStatus()).isEqualTo(255);
        assertThat(old.stderr()).contains("no matching cipher found");
        assertThat(old.stdout()).doesNotContain("should-not-run");
    }

    private static void assertRefused(VendorSsh.Run run, String message) {
        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(ChannelBridge.REFUSED_EXIT_STATUS);
        assertThat(run.stdout()).as(run.toString()).isEmpty();
        assertThat(run.stderr()).as(run.toString()).contains(message);
    }

    private static List<LedgerChain.Entry> refusals(String target) {
        return fx.broker.ledger("target:" + target).stream().filter(e -> "access.refused".equals(e.type())).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payload(LedgerChain.Entry e) {
        return e.payload() instanceof Map<?, ?> m ? (Map<String, Object>) m : new io.vertx.core.json.JsonObject(String.valueOf(e.payload())).getMap();
    }
}
