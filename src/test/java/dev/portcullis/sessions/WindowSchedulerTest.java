package dev.portcullis.sessions;

import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.portcullis.support.Verdicts.refusal;
import static org.assertj.core.api.Assertions.assertThat;

/** Grants open and close by timer at their window's edges; pending requests lapse; revocation closes at once. */
class WindowSchedulerTest extends BrokerTestBase {

    static BrokerHarness.Awaiting transition(BrokerHarness broker, String key, String id, String state) {
        return broker.expect(WindowScheduler.TRANSITIONS, e -> id.equals(e.getString(key)) && state.equals(e.getString("state")));
    }

    @Test
    void aGrantBecomesActiveAtNotBeforeAndClosesAtNotAfter() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-30", "vendor", "web-prod", "config",
                Duration.ofSeconds(2), Duration.ofSeconds(2)));
        JsonObject grant = cast.decide("alice", filed, "approve").json().getJsonObject("grant");
        String id = grant.getString("id");
        BrokerHarness.Awaiting active = transition(broker, "grant", id, "ACTIVE");
        BrokerHarness.Awaiting closed = transition(broker, "grant", id, "CLOSED");
        assertThat(grant.getString("state")).isEqualTo("SCHEDULED");
        assertThat(refusal(broker.verify("vendor", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.NOT_YET_ACTIVE);

        active.get(Duration.ofSeconds(10));
        assertThat(broker.verify("vendor", "web-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);

        JsonObject done = closed.get(Duration.ofSeconds(10));
        assertThat(done.getString("reason")).isEqualTo("window_closed");
        assertThat(refusal(broker.verify("vendor", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.WINDOW_CLOSED);
        JsonObject stored = api.get("/grants/" + id, cast.token("vendor")).json();
        assertThat(stored.getString("state")).isEqualTo("CLOSED");
        assertThat(stored.getString("closeReason")).isEqualTo("window_closed");
        assertThat(history(filed)).containsSubsequence("grant.issued", "grant.activated", "grant.window_closed", "grant.closed");
    }

    @Test
    void aPendingRequestLapsesWhenItsWindowPasses() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-31", "vendor", "app-staging", "config",
                Duration.ZERO, Duration.ofSeconds(2)));
        BrokerHarness.Awaiting lapsed = transition(broker, "request", filed.getString("id"), "LAPSED");

        lapsed.get(Duration.ofSeconds(10));

        assertThat(api.get("/requests/" + filed.getString("id"), cast.token("vendor")).json().getString("state")).isEqualTo("LAPSED");
        Api.Answer late = cast.decide("alice", filed, "approve");
        assertThat(late.status()).isEqualTo(409);
        assertThat(history(filed)).contains("request.lapsed");
    }

    @Test
    void anEarlyRevokeClosesTheGrantAndRefusesItsExecutor() {
        JsonObject filed = cast.file("vendor2", Fixtures.request("CHG-32", "vendor2", "web-prod", "config",
                Duration.ZERO, Duration.ofHours(1)));
        String id = cast.decide("bob", filed, "approve").json().getJsonObject("grant").getString("id");
        assertThat(broker.verify("vendor2", "web-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);
        BrokerHarness.Awaiting closed = transition(broker, "grant", id, "CLOSED");

        Api.Answer revoked = api.post("/grants/" + id + "/revoke", cast.token("carol"), new JsonObject().put("reason", "vendor finished early"));

        assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
        assertThat(revoked.json().getString("state")).isIn("CLOSING", "CLOSED");
        // Refused at once, before the closing work has even finished: revocation does not wait for timers.
        assertThat(refusal(broker.verify("vendor2", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.REVOKED);
        assertThat(closed.get(Duration.ofSeconds(10)).getString("reason")).isEqualTo("revoked");
        Api.Answer again = api.post("/grants/" + id + "/revoke", cast.token("carol"), null);
        assertThat(again.status()).isEqualTo(409);
        Api.Answer byVendor = api.post("/grants/" + id + "/revoke", cast.token("vendor"), null);
        assertThat(byVendor.status()).isEqualTo(403);
    }

    private java.util.List<String> history(JsonObject request) {
        return api.get("/requests/" + request.getString("id") + "/history", cast.token("auditor")).array().stream()
                .map(e -> ((JsonObject) e).getString("type")).toList();
    }
}
