package dev.portcullis.credentials.vault;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.store.Ledger;
import dev.portcullis.support.LogCapture;
import dev.portcullis.support.OpenSshTarget;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import dev.portcullis.support.VendorSsh;
import dev.portcullis.support.vault.IssuedCertificate;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SSH sessions whose certificate Vault signs: the real {@code ssh} client through the gateway to a real {@code sshd}
 * that trusts only the Vault test server's CA; and every way Vault can fail refuses the session before anything
 * reaches the target.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaultSshSessionTest {

    private final AtomicInteger names = new AtomicInteger();
    private Path dir;
    private VaultStandIn vault;
    private StandInBroker broker;
    private OpenSshTarget sshd;
    private LogCapture logs;

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        dir = Files.createTempDirectory("portcullis-vault-ssh-");
        vault = VaultStandIn.start();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
        Path ca = dir.resolve("vault-user-ca.pub");
        Files.writeString(ca, vault.vault.sshCaPublicKeyLine() + "\n");
        sshd = OpenSshTarget.start(ca);
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            // No secret the broker handled reached its log, whatever happened above.
            assertThat(logs.text()).doesNotContain(vault.appRole.secretId());
        } finally {
            logs.close();
            sshd.close();
            broker.close();
            vault.close();
        }
    }

    @Test
    void sessionLogsInWithAVaultSignedCertificateForTheGrantedUserUntilTheWindowEnds() throws Exception {
        Session s = session();

        VendorSsh.Run run = s.ssh.run(s.target, "echo signed-by-vault");

        assertThat(run.exitStatus()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("signed-by-vault");
        IssuedCertificate cert = vault.vault.issuedCertificates().stream()
                .filter(c -> c.keyId().contains(s.grant.id().toString())).findFirst().orElseThrow();
        assertThat(cert.role()).isEqualTo(VaultStandIn.SSH_ROLE);
        assertThat(cert.principals()).containsExactly("root");
        assertThat(cert.validBefore()).isBeforeOrEqualTo(s.grant.window().notAfter());
        assertThat(cert.extensions()).containsOnlyKeys("permit-pty");
        Row session = broker.sessionsOf(s.grant.id()).get(0);
        assertThat(cert.keyId()).contains("session " + session.getUUID("id"));
        Map<String, Object> started = payload(ledger("session:" + session.getUUID("id"), "session.started"));
        assertThat(started).containsEntry("certificateIssuer", "vault")
                .containsEntry("certificateSerial", Long.toUnsignedString(Long.parseUnsignedLong(cert.serial(), 16)));
        // The session record names the grant's request digest and the certificate it was issued.
        assertThat(session.getString("request_digest")).isEqualTo(s.grant.requestDigest());
        assertThat(session.getString("credential"))
                .isEqualTo("vault certificate serial " + Long.toUnsignedString(Long.parseUnsignedLong(cert.serial(), 16)));
    }

    @Test
    void refusesSessionWhenVaultIsSealed() throws Exception {
        vault.vault.faults().seal(true);
        assertRefusedWithoutReachingTheTarget(session(), "Vault is sealed", "vault_sealed");
    }

    @Test
    void refusesSessionWhenVaultAnswersTooSlowly() throws Exception {
        vault.vault.faults().delay(Duration.ofSeconds(12));
        assertRefusedWithoutReachingTheTarget(session(), "Vault did not answer", "vault_timeout");
    }

    @Test
    void refusesSessionWhenVaultFails() throws Exception {
        vault.vault.faults().failWith500("ssh/sign/");
        assertRefusedWithoutReachingTheTarget(session(), "Vault failed (HTTP 500)", "vault_error");
    }

    @Test
    void refusesSessionWhenVaultRefusesConnections() throws Exception {
        vault.vault.faults().refuseConnections(true);
        assertRefusedWithoutReachingTheTarget(session(), "Vault is unreachable", "vault_unreachable");
    }

    @Test
    void refusesSessionWhenTheRoleWillNotSignForTheTarget() throws Exception {
        // The target names a role the broker's policy does not allow: Vault answers 403.
        Session s = session(Map.of("ssh", Map.of("mount", "ssh", "role", "someone-elses")));
        assertRefusedWithoutReachingTheTarget(s, "Vault refused the request (HTTP 403)", "vault_refused");
    }

    @Test
    void theUserCaKeyTargetsMustTrustIsVaults() {
        var api = broker.harness.api();

        var keys = api.get("/ssh/keys", api.adminToken());
        vault.vault.faults().seal(true);
        var sealed = api.get("/ssh/keys", api.adminToken());

        assertThat(keys.status()).as(keys.toString()).isEqualTo(200);
        assertThat(keys.json().getString("userCaKey")).isEqualTo(vault.vault.sshCaPublicKeyLine().trim());
        assertThat(sealed.status()).as(sealed.toString()).isEqualTo(503);
        assertThat(sealed.errorCode()).isEqualTo("vault_sealed");
    }

    private void assertRefusedWithoutReachingTheTarget(Session s, String message, String code) throws Exception {
        int mark = sshd.logMark();
        double callsBefore = vaultCalls(code);

        VendorSsh.Run run = s.ssh.run(s.target, "echo should-not-run");

        assertThat(run.exitStatus()).as(run.toString()).isNotZero();
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("portcullis: refused: credentials unavailable: " + message);
        Row session = awaitEnded(s.grant);
        assertThat(session.getString("end_reason")).isEqualTo("refused");
        Map<String, Object> refused = payload(ledger("grant:" + s.grant.id(), "access.refused"));
        assertThat(refused).containsEntry("reason", code).containsEntry("session", session.getUUID("id").toString());
        assertThat(payload(ledger("session:" + session.getUUID("id"), "session.ended")))
                .containsEntry("reason", "refused").containsEntry("code", code);
        assertThat(ledgerOf("session:" + session.getUUID("id"))).noneMatch(e -> e.type().equals("session.started"));
        // No credential-less attempt upstream: sshd saw no connection at all.
        assertThat(sshd.log().lines().skip(mark)).noneMatch(l -> l.contains("Connection from"));
        // The failed Vault call is counted in portcullis_vault_request_seconds{op,outcome=<the reason code>} (the op is
        // ssh_sign, or approle_login when the broker had yet to log in; a 403 is retried once after a fresh login).
        assertThat(vaultCalls(code)).isGreaterThan(callsBefore);
    }

    private double vaultCalls(String outcome) {
        return broker.harness.broker().meters().registry().find("portcullis.vault.request").tags("outcome", outcome)
                .timers().stream().mapToDouble(t -> t.count()).sum();
    }

    private record Session(VendorSsh ssh, Principal vendor, String target, Grant grant) {
    }

    private Session session() throws Exception {
        return session(Map.of());
    }

    private Session session(Map<String, Object> credential) throws Exception {
        String name = "vendor-" + names.incrementAndGet();
        VendorSsh ssh = VendorSsh.create(dir.resolve("vendors").resolve(name), KeyPairProvider.SSH_ED25519, 256,
                broker.gateway().port(), broker.gateway().hostKeyLine());
        Principal vendor = broker.vendor(name, ssh.publicKeyLine());
        String target = "host-" + names.incrementAndGet();
        broker.sshTarget(target, "test", sshd.host(), sshd.port(), sshd.hostKeyLine(), credential);
        Grant grant = broker.grant(vendor, target, Map.of("principals", List.of("root"), "interactive", true), Duration.ofMinutes(30));
        return new Session(ssh, vendor, target, grant);
    }

    private Row awaitEnded(Grant grant) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Row> rows = broker.sessionsOf(grant.id());
            if (rows.size() == 1 && "ENDED".equals(rows.get(0).getString("state"))) {
                return rows.get(0);
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("the grant's one session did not end: " + rows);
            }
            await(broker.vertx.timer(50));
        }
    }

    private List<LedgerChain.Entry> ledgerOf(String subject) {
        return await(Ledger.forSubject(broker.database.pool(), subject));
    }

    private LedgerChain.Entry ledger(String subject, String type) {
        return ledgerOf(subject).stream().filter(e -> e.type().equals(type)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + type + " about " + subject + ": " + ledgerOf(subject)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payload(LedgerChain.Entry e) {
        return e.payload() instanceof Map<?, ?> m ? (Map<String, Object>) m : new JsonObject(String.valueOf(e.payload())).getMap();
    }
}
