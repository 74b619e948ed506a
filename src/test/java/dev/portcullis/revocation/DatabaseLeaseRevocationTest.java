package dev.portcullis.revocation;

import dev.portcullis.Broker;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;
import dev.portcullis.support.Fixtures;
import dev.portcullis.support.LogCapture;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.revocation.LeaseFixture.WAIT;
import static dev.portcullis.revocation.LeaseFixture.assertRevokedAndConfirmed;
import static dev.portcullis.revocation.LeaseFixture.cannotLogIn;
import static dev.portcullis.revocation.LeaseFixture.issue;
import static dev.portcullis.revocation.LeaseFixture.last;
import static dev.portcullis.revocation.LeaseFixture.lease;
import static dev.portcullis.revocation.LeaseFixture.ledger;
import static dev.portcullis.revocation.LeaseFixture.logsIn;
import static dev.portcullis.revocation.LeaseFixture.transition;
import static dev.portcullis.revocation.LeaseFixture.wholeLedger;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Dynamic database credentials from Vault in a real PostgreSQL that checks passwords: usable during the window,
 * revoked when the grant closes, the revocation confirmed by lookup — and a grant that cannot confirm stays
 * CLOSE_FAILED, ledgered with the lease's name, until it can.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseLeaseRevocationTest {

    private final AtomicInteger names = new AtomicInteger();
    private Path dir;
    private VaultStandIn vault;
    private StandInBroker broker;
    private LogCapture logs;
    private final List<String> secrets = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        dir = Files.createTempDirectory("portcullis-leases-");
        vault = VaultStandIn.start();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
        secrets.add(vault.appRole.secretId());
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() {
        try {
            String ledger = wholeLedger(core());
            String log = logs.text();
            for (String secret : secrets) {
                assertThat(ledger).doesNotContain(secret);
                assertThat(log).doesNotContain(secret);
            }
        } finally {
            logs.close();
            broker.close();
            vault.close();
        }
    }

    @Test
    void databaseCredentialWorksDuringTheWindowAndIsRevokedAndConfirmedWhenTheGrantCloses() throws Exception {
        Grant grant = grant();
        DatabaseCredential credential = issue(core(), target(grant), grant, "tester");
        secrets.add(credential.password());
        logsIn(vault, credential);
        assertThat(lease(core(), credential.leaseId()).getString("state")).isEqualTo("ACTIVE");
        assertThat(last(core(), "lease:" + credential.leaseId(), "lease.issued"))
                .containsEntry("grant", grant.id().toString()).containsEntry("username", credential.username());
        Connection open = vault.database.connect(credential.username(), credential.password());
        var closed = transition(broker.harness, grant, "CLOSED");

        broker.revoke(grant.id());

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
        assertThat(ledger(core(), "lease:" + credential.leaseId())).extracting(e -> e.type())
                .containsSubsequence("lease.issued", "lease.revoking", "lease.revoked");
        // Vault dropped the role; the broker ended the connection it still had.
        assertThat(last(core(), "lease:" + credential.leaseId(), "lease.revoked")).containsEntry("connectionsEnded", 1);
        try (open; Statement s = open.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT 1")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aRevokeThatLeavesTheLeaseAliveIsDetectedAndTheGrantStaysCloseFailedUntilConfirmed() throws Exception {
        Grant grant = grant();
        DatabaseCredential credential = issue(core(), target(grant), grant, "tester");
        secrets.add(credential.password());
        vault.vault.faults().lyingRevoke(true);
        var failed = transition(broker.harness, grant, "CLOSE_FAILED");

        broker.revoke(grant.id());

        failed.get(WAIT);
        assertThat(last(core(), "lease:" + credential.leaseId(), "lease.revocation_failed"))
                .containsEntry("code", "revoke_unconfirmed").containsEntry("lease", credential.leaseId());
        assertThat(String.valueOf(last(core(), "grant:" + grant.id(), "grant.close_failed").get("failure")))
                .contains(credential.leaseId());
        assertThat(lease(core(), credential.leaseId()).getString("state")).isIn("FAILED", "REVOKING");
        logsIn(vault, credential); // Vault said 204, yet the credential still works: exactly what confirmation is for

        var closed = transition(broker.harness, grant, "CLOSED");
        vault.vault.faults().lyingRevoke(false);

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
    }

    @Test
    void aSealedVaultAtClosingTimeLeavesTheGrantCloseFailedAndTheRevocationIsRetried() throws Exception {
        Grant grant = grant();
        DatabaseCredential credential = issue(core(), target(grant), grant, "tester");
        secrets.add(credential.password());
        vault.vault.faults().seal(true);
        var failed = transition(broker.harness, grant, "CLOSE_FAILED");

        broker.revoke(grant.id());

        failed.get(WAIT);
        assertThat(last(core(), "lease:" + credential.leaseId(), "lease.revocation_failed")).containsEntry("code", "vault_sealed");
        var closed = transition(broker.harness, grant, "CLOSED");
        vault.vault.faults().seal(false);

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
        assertThat(lease(core(), credential.leaseId()).getInteger("attempts")).isGreaterThan(1);
    }

    @Test
    void noDatabaseCredentialIsHandedOutWhenVaultIsUnreachable() throws Exception {
        Grant grant = grant();
        Target target = target(grant);
        vault.vault.faults().refuseConnections(true);

        assertThatThrownBy(() -> issue(core(), target, grant, "tester"))
                .hasMessageContaining("Vault is unreachable");

        assertThat(core().database().pool().preparedQuery("SELECT count(*) AS n FROM leases WHERE grant_id = $1")
                .execute(io.vertx.sqlclient.Tuple.of(grant.id())).toCompletionStage().toCompletableFuture().get()
                .iterator().next().getInteger("n")).isZero();
    }

    @Test
    void noDatabaseCredentialIsHandedOutOnAClosedGrant() throws Exception {
        Grant grant = grant();
        Target target = target(grant);
        var closed = transition(broker.harness, grant, "CLOSED");
        broker.revoke(grant.id());
        closed.get(WAIT);
        int live = vault.vault.leases().size();

        assertThatThrownBy(() -> issue(core(), target, grant, "tester")).hasMessageContaining("no longer active");

        // Vault did issue one before the grant's state was checked under its lock: it was revoked at once.
        assertThat(vault.vault.leases()).hasSize(live);
    }

    private Broker core() {
        return broker.harness.broker();
    }

    private final Map<java.util.UUID, Target> targets = new java.util.concurrent.ConcurrentHashMap<>();

    private Grant grant() {
        String name = "db-" + names.incrementAndGet();
        Principal vendor = broker.vendor("vendor-" + name);
        Target target = broker.sshTarget(name, "test", "127.0.0.1", 22, Fixtures.randomHostKey(),
                vault.databaseCredentialBlock());
        Grant grant = broker.grant(vendor, name, Map.of("principals", List.of("postgres"), "interactive", true), Duration.ofMinutes(30));
        targets.put(grant.id(), target);
        return grant;
    }

    private Target target(Grant grant) {
        return targets.get(grant.id());
    }
}
