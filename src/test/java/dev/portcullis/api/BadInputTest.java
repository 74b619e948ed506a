package dev.portcullis.api;

import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad input gets a clear 4xx with a stable code, and leaves no partial rows behind. */
class BadInputTest extends BrokerTestBase {

    long requests;
    long grants;
    long approvals;

    @BeforeEach
    void countRows() {
        requests = broker.count("access_requests");
        grants = broker.count("grants");
        approvals = broker.count("approvals");
    }

    @AfterEach
    void nothingWasStored() {
        assertThat(broker.count("access_requests")).isEqualTo(requests);
        assertThat(broker.count("grants")).isEqualTo(grants);
        assertThat(broker.count("approvals")).isEqualTo(approvals);
    }

    private static JsonObject valid() {
        return Fixtures.request("CHG-1", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(1));
    }

    private static void assertError(Api.Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.errorCode()).as(answer.toString()).isEqualTo(code);
        assertThat(answer.json().getJsonObject("error").getString("message")).isNotBlank();
    }

    @Test
    void malformedJsonIsRefused() {
        assertError(api.post("/requests", cast.token("vendor"), "{\"ticket\": \"CHG-1\", "), 400, "malformed_json");
    }

    @Test
    void unknownFieldsAreRefused() {
        Api.Answer answer = api.post("/requests", cast.token("vendor"), valid().put("priority", "urgent"));
        assertError(answer, 400, "invalid_request");
        assertThat(answer.json().getJsonObject("error").getString("message")).contains("priority");
    }

    @Test
    void unknownScopeFieldsAreRefused() {
        JsonObject body = valid();
        body.getJsonObject("scope").getJsonObject("ssh").put("sudo", true);
        assertError(api.post("/requests", cast.token("vendor"), body), 400, "invalid_request");
    }

    @Test
    void missingFieldsAreRefused() {
        JsonObject body = valid();
        body.remove("rollbackPlan");
        Api.Answer answer = api.post("/requests", cast.token("vendor"), body);
        assertError(answer, 400, "invalid_request");
        assertThat(answer.json().getJsonObject("error").getString("message")).contains("rollbackPlan");
    }

    @Test
    void oversizedBodiesAreRefused() {
        JsonObject body = valid().put("expectedOutcome", "x".repeat(70_000));
        assertError(api.post("/requests", cast.token("vendor"), body), 413, "body_too_large");
    }

    @Test
    void aWindowThatEndsBeforeItStartsIsRefused() {
        Instant start = Instant.now().plus(Duration.ofHours(1));
        JsonObject body = valid().put("window", new JsonObject().put("notBefore", start.toString()).put("notAfter", start.toString()));
        assertError(api.post("/requests", cast.token("vendor"), body), 422, "invalid_window");
    }

    @Test
    void aWindowInThePastIsRefused() {
        JsonObject body = Fixtures.request("CHG-1", "vendor", "web-prod", "config", Duration.ofHours(-3), Duration.ofHours(1));
        assertError(api.post("/requests", cast.token("vendor"), body), 422, "window_in_past");
    }

    @Test
    void aWindowLongerThanPolicyAllowsIsRefused() {
        JsonObject body = Fixtures.request("CHG-1", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(9));
        Api.Answer answer = api.post("/requests", cast.token("vendor"), body);
        assertError(answer, 422, "window_too_long");
        assertThat(answer.json().getJsonObject("error").getString("message")).contains("PT8H");
    }

    @Test
    void aDateThatIsNotADateIsRefused() {
        JsonObject body = valid().put("window", new JsonObject().put("notBefore", "tomorrow").put("notAfter", "later"));
        assertThat(api.post("/requests", cast.token("vendor"), body).status()).isEqualTo(400);
    }

    @Test
    void anUnknownTargetIsRefused() {
        assertError(api.post("/requests", cast.token("vendor"), valid().put("target", "nowhere")), 422, "unknown_target");
    }

    @Test
    void anUnknownExecutorIsRefused() {
        assertError(api.post("/requests", cast.token("vendor"), valid().put("executor", "ghost")), 422, "unknown_executor");
    }

    @Test
    void aScopeForTheWrongProtocolIsRefused() {
        assertError(api.post("/requests", cast.token("vendor"), valid().put("target", "api-prod")), 422, "invalid_scope");
    }

    @Test
    void aTicketOutsideThePolicysPatternIsRefused() {
        assertError(api.post("/requests", cast.token("vendor"), valid().put("ticket", "please")), 422, "invalid_ticket");
    }

    @Test
    void theWrongRoleIsRefused() {
        assertError(api.post("/requests", cast.token("auditor"), valid()), 403, "forbidden_role");
        assertError(api.post("/requests", cast.token("alice"), valid()), 403, "forbidden_role");
    }

    @Test
    void aMissingOrInvalidTokenIsRefused() {
        assertError(api.post("/requests", null, valid()), 401, "unauthenticated");
        assertError(api.post("/requests", "pcl_not-a-real-token-at-all", valid()), 401, "unauthenticated");
        assertError(api.get("/whoami", "pcl_not-a-real-token-at-all"), 401, "unauthenticated");
    }

    @Test
    void anApprovalForAnUnknownRequestOrWithABadDigestIsRefused() {
        assertError(api.post("/requests/00000000-0000-0000-0000-000000000000/approvals", cast.token("alice"),
                new JsonObject().put("decision", "approve").put("digest", "0".repeat(64))), 404, "not_found");
        assertError(api.post("/requests/not-a-uuid/approvals", cast.token("alice"),
                new JsonObject().put("decision", "approve").put("digest", "0".repeat(64))), 400, "invalid_request");
        assertError(api.post("/requests/00000000-0000-0000-0000-000000000000/approvals", cast.token("alice"),
                new JsonObject().put("decision", "maybe").put("digest", "0".repeat(64))), 400, "invalid_request");
    }

    @Test
    void unknownPathsAndMethodsAnswerInTheErrorFormat() {
        assertError(api.get("/nothing-here", api.adminToken()), 404, "not_found");
        Api.Answer wrongMethod = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/ledger/verify"))
                .DELETE(), api.adminToken());
        assertThat(wrongMethod.status()).isIn(404, 405);
        assertThat(wrongMethod.json().containsKey("error")).isTrue();
    }

    @Test
    void theOpenApiDocumentIsServed() {
        Api.Answer doc = api.get("/openapi.yaml", null);
        assertThat(doc.status()).isEqualTo(200);
        assertThat(doc.body()).contains("openapi: 3.1.0").contains("operationId: fileRequest");
    }
}
