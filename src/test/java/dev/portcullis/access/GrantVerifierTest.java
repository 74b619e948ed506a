package dev.portcullis.access;

import dev.portcullis.Broker;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.store.Sessions;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static dev.portcullis.support.Verdicts.refusal;
import static org.assertj.core.api.Assertions.assertThat;

/** The point-of-execution check beyond identity and time: session counts, disabled identities, what-if checks. */
class GrantVerifierTest extends BrokerTestBase {

    @Test
    void aNewSessionIsRefusedOnceTheGrantsSessionCountIsUsedUp() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-70", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(1))
                .put("maxSessions", 1));
        UUID grant = UUID.fromString(cast.decide("alice", filed, "approve").json().getJsonObject("grant").getString("id"));
        assertThat(broker.verify("vendor", "web-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);

        BrokerHarness.Awaiting counted = broker.expect(Broker.GRANT_CHANGED_ADDRESS, e -> e.getString("payload").startsWith("sessions:" + grant));
        BrokerHarness.await(Sessions.open(broker.broker().database().pool(), grant, null, "ssh", "test-node", Instant.now())
                .toCompletionStage().toCompletableFuture());
        counted.get(Duration.ofSeconds(10));

        assertThat(refusal(broker.verify("vendor", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.SESSIONS_EXHAUSTED);
        // Work inside the session that is already open is not a new session.
        assertThat(broker.verify("vendor", "web-prod", new Action.SshShell("postgres"), null, false)).isInstanceOf(Verdict.Allowed.class);
    }

    @Test
    void theWhatIfCheckAnswersWithoutRecording() {
        JsonObject filed = cast.file("vendor2", Fixtures.request("CHG-71", "vendor2", "app-staging", "config", Duration.ZERO, Duration.ofHours(1)));
        cast.decide("bob", filed, "approve");
        long refusals = refusalsRecorded();
        JsonObject check = new JsonObject().put("identity", "vendor2").put("target", "app-staging")
                .put("action", new JsonObject().put("kind", "ssh-exec").put("principal", "root").put("command", "id"));

        Api.Answer answer = api.post("/access-checks", cast.token("auditor"), check);

        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.json().getBoolean("allowed")).isFalse();
        assertThat(answer.json().getString("reason")).isEqualTo("out_of_scope");
        Api.Answer allowed = api.post("/access-checks", cast.token("auditor"), check.copy()
                .put("action", new JsonObject().put("kind", "ssh-exec").put("principal", "postgres").put("command", "id")));
        assertThat(allowed.json().getBoolean("allowed")).isTrue();
        assertThat(refusalsRecorded()).isEqualTo(refusals);
        assertThat(api.post("/access-checks", cast.token("vendor2"), check).status()).isEqualTo(403);
    }

    private long refusalsRecorded() {
        return broker.sql("SELECT count(*) AS n FROM ledger WHERE type = 'access.refused'").iterator().next().getLong("n");
    }
}
