package dev.portcullis.access;

import dev.portcullis.domain.Action;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Break-glass opens at once and briefly, is loud, and blocks the requester's next one until reviewed. */
class BreakGlassTest extends BrokerTestBase {

    private static JsonObject emergency(String ticket, String target) {
        // Asks for four hours starting in an hour; break-glass ignores that and opens now for at most PT1H.
        return Fixtures.request(ticket, "vendor", target, "recovery", Duration.ofHours(1), Duration.ofHours(4)).put("emergency", true);
    }

    @Test
    void breakGlassOpensAtOnceForAShortTimeAndMustBeReviewedBeforeTheNext() {
        Instant before = Instant.now();
        JsonObject first = cast.file("vendor", emergency("INC-50", "db-prod"));

        assertThat(first.getString("state")).isEqualTo("APPROVED");
        assertThat(first.getJsonObject("policy").getString("tier")).isEqualTo("break-glass");
        JsonObject grant = first.getJsonObject("grant");
        assertThat(grant.getBoolean("breakGlass")).isTrue();
        assertThat(grant.getString("basis")).isEqualTo("break-glass");
        Instant notBefore = Instant.parse(grant.getJsonObject("window").getString("notBefore"));
        Instant notAfter = Instant.parse(grant.getJsonObject("window").getString("notAfter"));
        assertThat(notBefore).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(Duration.between(notBefore, notAfter)).isEqualTo(Duration.ofHours(1));
        assertThat(broker.verify("vendor", "db-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);
        assertThat(broker.sql("SELECT count(*) AS n FROM ledger WHERE type = 'breakglass.opened' AND subject = $1",
                "request:" + first.getString("id")).iterator().next().getLong("n")).isEqualTo(1);

        Api.Answer second = api.post("/requests", cast.token("vendor"), emergency("INC-51", "web-prod"));
        assertThat(second.status()).isEqualTo(403);
        assertThat(second.errorCode()).isEqualTo("breakglass_review_pending");

        JsonArray open = api.get("/breakglass-reviews?state=OPEN", cast.token("alice")).array();
        assertThat(open).hasSize(1);
        String review = open.getJsonObject(0).getString("id");
        JsonObject verdict = new JsonObject().put("outcome", "justified").put("note", "database was down");
        Api.Answer byVendor = api.post("/breakglass-reviews/" + review + "/close", cast.token("vendor"), verdict);
        assertThat(byVendor.status()).isEqualTo(403);

        Api.Answer closed = api.post("/breakglass-reviews/" + review + "/close", cast.token("alice"), verdict);
        assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
        assertThat(closed.json().getString("state")).isEqualTo("CLOSED");
        assertThat(closed.json().getString("reviewer")).isEqualTo("alice");
        assertThat(api.post("/breakglass-reviews/" + review + "/close", cast.token("bob"), verdict).status()).isEqualTo(409);

        JsonObject third = cast.file("vendor", emergency("INC-52", "web-prod"));
        assertThat(third.getString("state")).isEqualTo("APPROVED");
    }

    @Test
    void breakGlassIsRefusedWherePolicyDoesNotAllowIt() {
        Api.Answer answer = api.post("/requests", cast.token("vendor2"),
                Fixtures.request("INC-53", "vendor2", "app-staging", "recovery", Duration.ZERO, Duration.ofHours(1)).put("emergency", true));
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.errorCode()).isEqualTo("breakglass_not_allowed");
    }
}
