package dev.portcullis.store;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;
import dev.portcullis.support.Fixtures;
import dev.portcullis.support.StandInBroker;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Several broker nodes share revocation work: a lease one node has claimed is skipped by the others, not waited for. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseClaimTest {

    private StandInBroker broker;

    @BeforeAll
    void start() throws Exception {
        broker = StandInBroker.start(Files.createTempDirectory("portcullis-claims-").resolve("data"));
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    @Test
    void twoNodesClaimingAtOnceGetDisjointLeasesAndAClaimHoldsOffOthersUntilItLapses() {
        Grant grant = closedGrantWithLeases("claims", 5);
        Instant now = Instant.now();
        SqlConnection a = await(broker.database.pool().getConnection());
        SqlConnection b = await(broker.database.pool().getConnection());
        try {
            await(a.query("BEGIN").execute());
            await(b.query("BEGIN").execute());
            // Node A holds its two rows locked (its transaction is still open) while node B claims.
            List<Leases.Lease> first = await(Leases.claim(a, grant.id(), "node-a", now, now.plusSeconds(60), 2));
            List<Leases.Lease> second = await(Leases.claim(b, grant.id(), "node-b", now, now.plusSeconds(60), 10));
            await(a.query("COMMIT").execute());
            await(b.query("COMMIT").execute());

            assertThat(first).hasSize(2);
            assertThat(second).hasSize(3);
            Set<String> all = new HashSet<>(ids(first));
            all.addAll(ids(second));
            assertThat(all).hasSize(5);
            assertThat(first).allMatch(l -> "ACTIVE".equals(l.previousState()) && l.attempts() == 1);
        } finally {
            a.close();
            b.close();
        }
        // Claimed and committed: held for their claim time, so a third node gets nothing, until the claims lapse.
        assertThat(await(Leases.claim(broker.database.pool(), grant.id(), "node-c", now, now.plusSeconds(60), 10))).isEmpty();
        assertThat(await(Leases.claim(broker.database.pool(), grant.id(), "node-c", now.plusSeconds(61), now.plusSeconds(120), 10)))
                .hasSize(5).allMatch(l -> "REVOKING".equals(l.previousState()) && l.attempts() == 2);
    }

    @Test
    void leasesOfAGrantStillActiveAreNotClaimed() {
        Principal vendor = broker.vendor("vendor-active");
        Target target = broker.sshTarget("active-host", "test", "127.0.0.1", 22, Fixtures.randomHostKey());
        Grant grant = broker.grant(vendor, target.name(), Map.of("principals", List.of("root"), "interactive", true), Duration.ofHours(1));
        insertLeases(grant, target, "active", 1);

        assertThat(await(Leases.claim(broker.database.pool(), null, "node-a", Instant.now(), Instant.now().plusSeconds(60), 10)))
                .noneMatch(l -> l.grantId().equals(grant.id()));
    }

    private Grant closedGrantWithLeases(String name, int leases) {
        Principal vendor = broker.vendor("vendor-" + name);
        Target target = broker.sshTarget(name + "-host", "test", "127.0.0.1", 22, Fixtures.randomHostKey());
        Grant grant = broker.grant(vendor, target.name(), Map.of("principals", List.of("root"), "interactive", true), Duration.ofHours(1));
        insertLeases(grant, target, name, leases);
        // Closed behind the scheduler's back: only the claim query looks at it.
        broker.harness.sql("UPDATE grants SET state = 'CLOSED' WHERE id = $1", grant.id());
        return grant;
    }

    private void insertLeases(Grant grant, Target target, String name, int n) {
        for (int i = 0; i < n; i++) {
            await(Leases.insert(broker.database.pool(), "database/creds/readonly/" + name + "-" + i, grant.id(), null, target.id(),
                    "database", "vault", "v-" + name + "-" + i, Instant.now(), Instant.now().plusSeconds(3600)));
        }
    }

    private static Set<String> ids(List<Leases.Lease> leases) {
        return leases.stream().map(Leases.Lease::leaseId).collect(Collectors.toSet());
    }
}
