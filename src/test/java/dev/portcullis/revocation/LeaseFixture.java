package dev.portcullis.revocation;

import dev.portcullis.Broker;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.store.Ledger;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.VaultStandIn;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Assertions about leases, their ledger entries and the customer's database, shared by the revocation tests. */
final class LeaseFixture {

    static final Duration WAIT = Duration.ofSeconds(45);

    private LeaseFixture() {
    }

    static DatabaseCredential issue(Broker broker, Target target, Grant grant, String actor) {
        return await(broker.credentials().database().issue(target, grant, null, actor));
    }

    static BrokerHarness.Awaiting transition(BrokerHarness harness, Grant grant, String state) {
        return harness.expect(WindowScheduler.TRANSITIONS, j -> grant.id().toString().equals(j.getString("grant"))
                && state.equals(j.getString("state")));
    }

    static Row lease(Broker broker, String leaseId) {
        var rows = await(broker.database().pool().preparedQuery("SELECT * FROM leases WHERE lease_id = $1")
                .execute(io.vertx.sqlclient.Tuple.of(leaseId)));
        assertThat(rows.size()).as("lease row " + leaseId).isEqualTo(1);
        return rows.iterator().next();
    }

    static List<LedgerChain.Entry> ledger(Broker broker, String subject) {
        return await(Ledger.forSubject(broker.database().pool(), subject));
    }

    static Map<String, Object> last(Broker broker, String subject, String type) {
        List<LedgerChain.Entry> entries = ledger(broker, subject);
        return entries.stream().filter(e -> e.type().equals(type)).reduce((a, b) -> b).map(LeaseFixture::payload)
                .orElseThrow(() -> new AssertionError("no " + type + " about " + subject + ": " + entries));
    }

    /** Every ledger entry's text: for "no secret in the ledger" checks. */
    static String wholeLedger(Broker broker) {
        StringBuilder text = new StringBuilder();
        await(Ledger.read(broker.database().pool(), 0, 100_000)).forEach(e -> text.append(new JsonObject(e.body()).encode()).append('\n'));
        return text.toString();
    }

    static void logsIn(VaultStandIn vault, DatabaseCredential credential) throws SQLException {
        try (Connection c = vault.database.connect(credential.username(), credential.password()); Statement s = c.createStatement()) {
            assertThat(s.executeQuery("SELECT 1").next()).isTrue();
        }
    }

    static void cannotLogIn(VaultStandIn vault, DatabaseCredential credential) {
        assertThatThrownBy(() -> vault.database.connect(credential.username(), credential.password()).close())
                .isInstanceOf(SQLException.class);
    }

    static void assertRevokedAndConfirmed(Broker broker, VaultStandIn vault, DatabaseCredential credential) throws SQLException {
        Row row = lease(broker, credential.leaseId());
        assertThat(row.getString("state")).isEqualTo("REVOKED");
        assertThat(row.getOffsetDateTime("revoked_at")).isNotNull();
        assertThat(last(broker, "lease:" + credential.leaseId(), "lease.revoked")).containsEntry("confirmedBy", "sys/leases/lookup");
        assertThat(vault.vault.lease(credential.leaseId())).isEmpty();
        assertThat(vault.database.roleExists(credential.username())).isFalse();
        // Confirmed the way the contract says: a lookup that Vault answered "invalid lease".
        assertThat(vault.vault.requests()).anyMatch(r -> r.path().equals("/sys/leases/lookup") && r.status() == 400);
        cannotLogIn(vault, credential);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payload(LedgerChain.Entry e) {
        return e.payload() instanceof Map<?, ?> m ? (Map<String, Object>) m : new JsonObject(String.valueOf(e.payload())).getMap();
    }

    static UUID id(Grant grant) {
        return grant.id();
    }
}
