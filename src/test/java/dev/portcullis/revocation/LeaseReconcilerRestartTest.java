package dev.portcullis.revocation;

import dev.portcullis.Broker;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.Fixtures;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.portcullis.revocation.LeaseFixture.WAIT;
import static dev.portcullis.revocation.LeaseFixture.assertRevokedAndConfirmed;
import static dev.portcullis.revocation.LeaseFixture.issue;
import static dev.portcullis.revocation.LeaseFixture.lease;
import static dev.portcullis.revocation.LeaseFixture.logsIn;
import static dev.portcullis.revocation.LeaseFixture.transition;
import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A broker that went down with leases outstanding finishes their revocation when it comes back. */
class LeaseReconcilerRestartTest {

    private VaultStandIn vault;
    private StandInBroker broker;

    @BeforeEach
    void start() throws Exception {
        Path dir = Files.createTempDirectory("portcullis-reconcile-");
        vault = VaultStandIn.start();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
    }

    @AfterEach
    void stop() {
        try {
            broker.close();
        } finally {
            vault.close();
        }
    }

    @Test
    void brokerStoppedMidWindowRevokesAndConfirmsTheLeaseWhenRestartedAfterTheWindow() throws Exception {
        Instant now = Instant.now();
        Instant notAfter = now.plusSeconds(4);
        Target target = target("db-restart");
        Principal vendor = broker.vendor("vendor-restart");
        Grant grant = broker.grant(vendor, target.name(), Map.of("principals", List.of("postgres"), "interactive", true),
                now.minusSeconds(1), notAfter, 5);
        DatabaseCredential credential = issue(core(), target, grant, vendor.name());
        logsIn(vault, credential);

        broker.harness.stopBroker(); // no closing hook runs: the scheduler stops first
        await(broker.vertx.timer(Math.max(1, Duration.between(Instant.now(), notAfter.plusMillis(500)).toMillis())));
        logsIn(vault, credential); // the window is over, but nobody has revoked anything yet
        BrokerHarness.Awaiting closed = transition(broker.harness, grant, "CLOSED");

        broker.harness.restart();

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
        assertThat(lease(core(), credential.leaseId()).getString("state")).isEqualTo("REVOKED");
    }

    @Test
    void aRevocationThatFailedBeforeARestartIsFinishedAfterIt() throws Exception {
        Instant now = Instant.now();
        Target target = target("db-failed");
        Principal vendor = broker.vendor("vendor-failed");
        Grant grant = broker.grant(vendor, target.name(), Map.of("principals", List.of("postgres"), "interactive", true),
                now.minusSeconds(1), now.plus(Duration.ofMinutes(30)), 5);
        DatabaseCredential credential = issue(core(), target, grant, vendor.name());
        vault.vault.faults().refuseConnections(true);
        BrokerHarness.Awaiting failed = transition(broker.harness, grant, "CLOSE_FAILED");
        broker.revoke(grant.id());
        failed.get(WAIT);
        assertThat(lease(core(), credential.leaseId()).getString("last_error")).startsWith("vault_unreachable");
        broker.harness.stopBroker();
        vault.vault.faults().refuseConnections(false);
        BrokerHarness.Awaiting closed = transition(broker.harness, grant, "CLOSED");

        broker.harness.restart();

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
    }

    private Target target(String name) {
        return broker.sshTarget(name, "test", "127.0.0.1", 22, Fixtures.randomHostKey(), vault.databaseCredentialBlock());
    }

    private Broker core() {
        return broker.harness.broker();
    }
}
