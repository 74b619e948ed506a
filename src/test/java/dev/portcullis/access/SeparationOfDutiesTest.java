package dev.portcullis.access;

import dev.portcullis.domain.Action;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static dev.portcullis.support.Verdicts.refusal;
import static org.assertj.core.api.Assertions.assertThat;

/** Requester, approver and executor are different identities; a grant serves only its executor and target. */
class SeparationOfDutiesTest extends BrokerTestBase {

    private JsonObject pending(String ticket, String requester, String executor) {
        return cast.file(requester, Fixtures.request(ticket, executor, "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
    }

    private void assertRefusedAndRecorded(Api.Answer answer, int status, String code, String actor) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.errorCode()).isEqualTo(code);
        // The newest entry overall may be a window timer's; the newest refusal must be this one.
        JsonArray ledger = api.get("/ledger?after=0&limit=1000", api.adminToken()).array();
        JsonObject last = ledger.stream().map(e -> (JsonObject) e).filter(e -> e.getString("type").equals("refused"))
                .reduce((first, second) -> second).orElseThrow();
        assertThat(last.getString("type")).isEqualTo("refused");
        assertThat(last.getString("actor")).isEqualTo(actor);
        assertThat(last.getJsonObject("payload").getString("code")).isEqualTo(code);
    }

    @Test
    void approvalByRequesterIsRejected() {
        // sam holds both the vendor and the approver role, and is in the approving group.
        JsonObject request = pending("CHG-1", "sam", "vendor");
        assertRefusedAndRecorded(cast.decide("sam", request, "approve"), 403, "separation_of_duties", "sam");
        assertThat(api.get("/requests/" + request.getString("id"), cast.token("sam")).json().getJsonArray("approvals")).isEmpty();
    }

    @Test
    void approvalByExecutorIsRejected() {
        JsonObject request = pending("CHG-2", "vendor", "sam");
        assertRefusedAndRecorded(cast.decide("sam", request, "approve"), 403, "separation_of_duties", "sam");
    }

    @Test
    void anAuditorCannotApproveEvenWithTheApproverRole() {
        JsonObject request = pending("CHG-3", "vendor", "vendor");
        assertRefusedAndRecorded(cast.decide("audrey", request, "approve"), 403, "separation_of_duties", "audrey");
        assertRefusedAndRecorded(cast.decide("auditor", request, "approve"), 403, "forbidden_role", "auditor");
    }

    @Test
    void aVendorCannotApprove() {
        JsonObject request = pending("CHG-4", "vendor", "vendor");
        assertRefusedAndRecorded(cast.decide("vendor2", request, "approve"), 403, "forbidden_role", "vendor2");
    }

    @Test
    void oneApproverCountsOnce() {
        JsonObject request = cast.file("vendor", Fixtures.request("INC-5", "vendor", "db-prod", "data-path", Duration.ZERO, Duration.ofHours(1)));
        assertThat(cast.decide("carol", request, "approve").status()).isEqualTo(200);

        assertRefusedAndRecorded(cast.decide("carol", request, "approve"), 409, "already_decided", "carol");

        JsonObject now = api.get("/requests/" + request.getString("id"), cast.token("alice")).json();
        assertThat(now.getString("state")).isEqualTo("PENDING");
        assertThat(now.getJsonArray("approvals")).hasSize(1);
    }

    @Test
    void approversOutsideTheRulesGroupsDoNotCount() {
        JsonObject request = pending("CHG-6", "vendor", "vendor");
        assertRefusedAndRecorded(cast.decide("dave", request, "approve"), 403, "not_eligible", "dave");
    }

    @Test
    void aGrantPresentedByAnotherIdentityIsRefusedAndRecorded() {
        JsonObject request = pending("CHG-7", "vendor", "vendor");
        JsonObject approved = cast.decide("alice", request, "approve").json();
        UUID grant = UUID.fromString(approved.getJsonObject("grant").getString("id"));
        Verdict verdict = broker.verify("vendor2", "web-prod", new Action.SshShell("postgres"), grant, true);

        assertThat(refusal(verdict)).isEqualTo(RefusalReason.WRONG_EXECUTOR);
        var refusals = broker.sql("SELECT type, actor, subject, payload FROM ledger WHERE type = 'access.refused' AND subject = $1",
                "grant:" + grant);
        assertThat(refusals.size()).isEqualTo(1);
        var entry = refusals.iterator().next();
        assertThat(entry.getString("actor")).isEqualTo("vendor2");
        assertThat(entry.getString("subject")).isEqualTo("grant:" + grant);
        assertThat(entry.getJsonObject("payload").getString("reason")).isEqualTo("wrong_executor");
        // The rightful executor is still served.
        assertThat(broker.verify("vendor", "web-prod", new Action.SshShell("postgres"), grant, true)).isInstanceOf(Verdict.Allowed.class);
    }

    @Test
    void aGrantPresentedForAnotherTargetIsRefused() {
        JsonObject request = pending("CHG-8", "vendor", "vendor2");
        UUID grant = UUID.fromString(cast.decide("bob", request, "approve").json().getJsonObject("grant").getString("id"));

        assertThat(refusal(broker.verify("vendor2", "app-staging", new Action.SshShell("postgres"), grant, true)))
                .isEqualTo(RefusalReason.WRONG_TARGET);
        assertThat(refusal(broker.verify("vendor2", "app-staging", new Action.SshShell("postgres"))))
                .isEqualTo(RefusalReason.NO_GRANT);
        assertThat(refusal(broker.verify("vendor2", "no-such-target", new Action.SshShell("postgres"))))
                .isEqualTo(RefusalReason.UNKNOWN_TARGET);
    }

    @Test
    void onlyTheRequesterMayWithdrawOrAmend() {
        JsonObject request = pending("CHG-9", "vendor", "vendor");
        assertRefusedAndRecorded(api.post("/requests/" + request.getString("id") + "/withdraw", cast.token("vendor2"), null),
                403, "not_requester", "vendor2");
        assertRefusedAndRecorded(api.patch("/requests/" + request.getString("id"), cast.token("vendor2"),
                        Fixtures.request("CHG-9", "vendor2", "web-prod", "config", Duration.ZERO, Duration.ofHours(1))),
                403, "not_requester", "vendor2");
        Api.Answer withdrawn = api.post("/requests/" + request.getString("id") + "/withdraw", cast.token("vendor"), null);
        assertThat(withdrawn.json().getString("state")).isEqualTo("WITHDRAWN");
    }

    @Test
    void onlyAdminsRegisterPrincipalsAndTargets() {
        long before = broker.count("principals");
        assertRefusedAndRecorded(api.post("/principals", cast.token("alice"),
                new JsonObject().put("name", "mallory").put("kind", "human").put("roles", new JsonArray().add("admin"))),
                403, "forbidden_role", "alice");
        assertThat(broker.count("principals")).isEqualTo(before);
    }
}
