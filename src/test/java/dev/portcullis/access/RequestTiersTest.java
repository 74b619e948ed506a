package dev.portcullis.access;

import dev.portcullis.domain.Action;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static dev.portcullis.support.Verdicts.refusal;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The happy path of every approval tier in the shipped policy, and deny — through the REST API. */
class RequestTiersTest extends BrokerTestBase {

    @Test
    void preApprovedAutomationIssuesAGrantAtOnceForANonHumanExecOnlyScope() {
        JsonObject body = Fixtures.request("CHG-100", "bot", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(10))
                .put("scope", Fixtures.execOnlyScope("systemctl status *"));
        JsonObject filed = cast.file("bot", body);

        assertThat(filed.getString("state")).isEqualTo("APPROVED");
        assertThat(filed.getJsonObject("policy").getString("tier")).isEqualTo("auto");
        assertThat(filed.getJsonObject("policy").getString("rule")).isEqualTo("pipeline-routine");
        JsonObject grant = filed.getJsonObject("grant");
        assertThat(grant.getString("basis")).isEqualTo("auto");
        assertThat(grant.getString("requestDigest")).isEqualTo(filed.getString("digest"));

        assertThat(broker.verify("bot", "app-staging", new Action.SshExec("deploy", "systemctl status nginx")))
                .isInstanceOf(Verdict.Allowed.class);
        assertThat(refusal(broker.verify("bot", "app-staging", new Action.SshExec("deploy", "systemctl status x; rm -rf /"))))
                .isEqualTo(RefusalReason.OUT_OF_SCOPE);
        assertThat(refusal(broker.verify("bot", "app-staging", new Action.SshShell("deploy"))))
                .isEqualTo(RefusalReason.OUT_OF_SCOPE);
    }

    @Test
    void preApprovalIsRefusedForAHumanExecutor() {
        JsonObject body = Fixtures.request("CHG-101", "vendor", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(10))
                .put("scope", Fixtures.execOnlyScope("uptime"));
        // A human executor on a routine change does not match the automation rule; it falls to the
        // non-production rule and waits for an approver instead of being granted.
        JsonObject filed = cast.file("vendor", body);
        assertThat(filed.getString("state")).isEqualTo("PENDING");
        assertThat(filed.getJsonObject("policy").getString("tier")).isEqualTo("approvals");
        assertThat(filed.getValue("grant")).isNull();
    }

    @Test
    void preApprovalNeverCoversAShellOrMoreSessionsThanTheRuleAllows() {
        Api.Answer shell = api.post("/requests", cast.token("bot"),
                Fixtures.request("CHG-102", "bot", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(10)));
        assertThat(shell.status()).isEqualTo(403);
        assertThat(shell.errorCode()).isEqualTo("auto_scope_too_wide");

        Api.Answer many = api.post("/requests", cast.token("bot"),
                Fixtures.request("CHG-103", "bot", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(10))
                        .put("scope", Fixtures.execOnlyScope("uptime")).put("maxSessions", 6));
        assertThat(many.status()).isEqualTo(422);
        assertThat(many.errorCode()).isEqualTo("too_many_sessions");

        Api.Answer tooLong = api.post("/requests", cast.token("bot"),
                Fixtures.request("CHG-104", "bot", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(31))
                        .put("scope", Fixtures.execOnlyScope("uptime")));
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.errorCode()).isEqualTo("window_too_long");
    }

    @Test
    void preApprovalIsRateLimitedPerExecutor() {
        cast.principal("pipeline", "non-human", java.util.List.of("vendor"), java.util.List.of());
        JsonObject body = Fixtures.request("CHG-110", "pipeline", "app-staging", "routine", Duration.ZERO, Duration.ofMinutes(5))
                .put("scope", Fixtures.execOnlyScope("uptime"));
        // The shipped rule pre-approves 20 grants per hour per executor.
        for (int i = 0; i < 20; i++) {
            assertThat(cast.file("pipeline", body).getString("state")).isEqualTo("APPROVED");
        }
        Api.Answer limited = api.post("/requests", cast.token("pipeline"), body);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("auto_rate_limited");
    }

    @Test
    void oneApprovalFromACustomerAdminIssuesTheGrantToTheNamedExecutor() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-200", "vendor2", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
        assertThat(filed.getString("state")).isEqualTo("PENDING");
        assertThat(filed.getJsonObject("policy").getInteger("approvalsRequired")).isEqualTo(1);
        assertThat(refusal(broker.verify("vendor2", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.NO_GRANT);

        Api.Answer approved = cast.decide("alice", filed, "approve");

        assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
        assertThat(approved.json().getString("state")).isEqualTo("APPROVED");
        JsonObject grant = approved.json().getJsonObject("grant");
        assertThat(grant.getString("basis")).isEqualTo("approvals");
        assertThat(approved.json().getJsonArray("approvals")).hasSize(1);
        Verdict verdict = broker.verify("vendor2", "web-prod", new Action.SshShell("postgres"));
        // The grant serves its executor only, not the vendor who asked for it.
        assertThat(refusal(broker.verify("vendor", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.NO_GRANT);
        assertThat(verdict).isInstanceOf(Verdict.Allowed.class);
        assertThat(((Verdict.Allowed) verdict).grant().id()).isEqualTo(UUID.fromString(grant.getString("id")));
        assertThat(refusal(broker.verify("vendor2", "web-prod", new Action.SshShell("root")))).isEqualTo(RefusalReason.OUT_OF_SCOPE);
    }

    @Test
    void regulatedTargetsNeedTwoApprovalsIncludingCustomerSignoff() {
        JsonObject filed = cast.file("vendor", Fixtures.request("INC-300", "vendor", "db-prod", "data-path", Duration.ZERO, Duration.ofHours(2)));
        assertThat(filed.getJsonObject("policy").getInteger("approvalsRequired")).isEqualTo(2);
        assertThat(filed.getJsonObject("policy").getBoolean("customerSignoff")).isTrue();

        assertThat(cast.decide("alice", filed, "approve").json().getString("state")).isEqualTo("PENDING");
        // Two customer admins make two approvals, but without the customer's sign-off the quorum is not met.
        JsonObject afterBob = cast.decide("bob", filed, "approve").json();
        assertThat(afterBob.getString("state")).isEqualTo("PENDING");
        assertThat(afterBob.getValue("grant")).isNull();
        assertThat(refusal(broker.verify("vendor", "db-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.NO_GRANT);

        JsonObject afterCarol = cast.decide("carol", filed, "approve").json();
        assertThat(afterCarol.getString("state")).isEqualTo("APPROVED");
        assertThat(afterCarol.getJsonArray("approvals")).hasSize(3);
        assertThat(broker.verify("vendor", "db-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);
    }

    @Test
    void requestsNoRuleAllowsAreDeniedAndRecorded() {
        long requestsBefore = broker.count("access_requests");

        Api.Answer answer = api.post("/requests", cast.token("vendor"),
                Fixtures.request("CHG-400", "vendor", "sandbox", "config", Duration.ZERO, Duration.ofHours(1)));

        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.errorCode()).isEqualTo("policy_denied");
        assertThat(broker.count("access_requests")).isEqualTo(requestsBefore);
        // The newest entry overall may be a window timer's; the newest refusal must be this one.
        JsonArray ledger = api.get("/ledger?after=0&limit=1000", api.adminToken()).array();
        JsonObject last = ledger.stream().map(e -> (JsonObject) e).filter(e -> e.getString("type").equals("refused"))
                .reduce((first, second) -> second).orElseThrow();
        assertThat(last.getString("type")).isEqualTo("refused");
        assertThat(last.getString("actor")).isEqualTo("vendor");
        assertThat(last.getJsonObject("payload").getString("code")).isEqualTo("policy_denied");
    }

    @Test
    void anApproverCanDenyAndNoGrantIsIssued() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-500", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));

        Api.Answer denied = cast.decide("bob", filed, "deny");

        assertThat(denied.json().getString("state")).isEqualTo("DENIED");
        assertThat(denied.json().getValue("grant")).isNull();
        Api.Answer late = cast.decide("alice", filed, "approve");
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.errorCode()).isEqualTo("request_not_pending");
    }

    @Test
    void theLedgerRecordsTheWholeHistoryOfARequest() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-600", "vendor", "app-staging", "config", Duration.ZERO, Duration.ofHours(1)));
        cast.decide("alice", filed, "approve");

        JsonArray history = api.get("/requests/" + filed.getString("id") + "/history", cast.token("auditor")).array();

        assertThat(history.stream().map(e -> ((JsonObject) e).getString("type")))
                .containsSubsequence("request.filed", "approval.recorded", "request.approved", "grant.issued");
        assertThat(api.get("/ledger/verify", cast.token("auditor")).json().getBoolean("valid")).isTrue();
    }
}
