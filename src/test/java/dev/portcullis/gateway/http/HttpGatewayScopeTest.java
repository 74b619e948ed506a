package dev.portcullis.gateway.http;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Which requests a grant's HTTP scope lets through, checked on the normalised path, and how refusals read. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayScopeTest {

    private HttpGatewayFixture f;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
    }

    private HttpResponse<Buffer> call(HttpMethod method, String uri, String bearer) {
        var request = f.client.request(method, uri);
        if (bearer != null) {
            request.putHeader("authorization", bearer);
        }
        return await(request.send());
    }

    @Test
    void scopeAllowsExactlyItsMethodsAndPaths() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        f.grant(vendor, target, List.of("GET", "POST"), List.of("/echo/orders/*", "/echo/reports/**"));
        String t = "/t/" + target;
        record Case(HttpMethod method, String path, int status) {
        }
        List<Case> matrix = List.of(
                new Case(HttpMethod.GET, "/echo/orders/42", 200),
                new Case(HttpMethod.POST, "/echo/orders/42", 200),
                new Case(HttpMethod.DELETE, "/echo/orders/42", 403),
                new Case(HttpMethod.PUT, "/echo/orders/42", 403),
                new Case(HttpMethod.GET, "/echo/orders/42/lines", 403),
                new Case(HttpMethod.GET, "/echo/orders", 403),
                new Case(HttpMethod.GET, "/echo/reports/2026/q3/summary", 200),
                new Case(HttpMethod.GET, "/echo/admin", 403),
                new Case(HttpMethod.GET, "/echo/orders/a/../42", 200),
                new Case(HttpMethod.GET, "/echo/admin/../orders/7", 200),
                new Case(HttpMethod.GET, "/echo/orders/../admin", 403),
                new Case(HttpMethod.GET, "/echo//orders/9", 200));
        for (Case c : matrix) {
            HttpResponse<Buffer> answer = call(c.method(), t + c.path(), vendor.bearer());
            assertThat(answer.statusCode()).as(c + " → " + answer.bodyAsString()).isEqualTo(c.status());
            if (c.status() == 403) {
                assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("out_of_scope");
            }
        }
        // The target saw the normalised path, never the dot segments the vendor sent.
        assertThat(f.seenAt("/echo/orders/42")).isNotEmpty();
        assertThat(f.seen).noneMatch(e -> e.getString("uri").contains(".."));
        assertThat(f.seenAt("/echo/orders/9")).isNotEmpty();
    }

    @Test
    void methodOutsideTheScopeIsRefusedAndLedgered() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, List.of("GET"), List.of("/echo/**"));
        HttpResponse<Buffer> answer = call(HttpMethod.DELETE, "/t/" + target + "/echo/customers/1", vendor.bearer());
        assertThat(answer.statusCode()).isEqualTo(403);
        JsonObject error = answer.bodyAsJsonObject().getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("out_of_scope");
        assertThat(error.getString("message")).contains("DELETE /echo/customers/1");
        LedgerChain.Entry refused = f.awaitLedger("grant:" + grant.id(), e -> e.type().equals("access.refused"));
        assertThat(payload(refused)).containsEntry("reason", "out_of_scope").containsEntry("target", target);
    }

    @Test
    void tokenOfAVendorWithAGrantOnAnotherTargetIsRefused() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String granted = f.target();
        String other = f.target();
        f.grant(vendor, granted, List.of("GET"), List.of("/echo/**"));
        assertThat(call(HttpMethod.GET, "/t/" + granted + "/echo/x", vendor.bearer()).statusCode()).isEqualTo(200);
        HttpResponse<Buffer> answer = call(HttpMethod.GET, "/t/" + other + "/echo/x", vendor.bearer());
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("no_grant");
        LedgerChain.Entry refused = f.awaitLedger("target:" + other, e -> e.type().equals("access.refused"));
        assertThat(payload(refused)).containsEntry("reason", "no_grant");
        assertThat(refused.actor()).isEqualTo(vendor.principal().name());
    }

    @Test
    void requestWithoutAValidTokenIsUnauthenticated() {
        String target = f.target();
        assertThat(call(HttpMethod.GET, "/t/" + target + "/echo/x", null).statusCode()).isEqualTo(401);
        HttpResponse<Buffer> forged = call(HttpMethod.GET, "/t/" + target + "/echo/x", "Bearer pcl_not-a-real-token-at-all");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unauthenticated");
    }

    @Test
    void unknownTargetIsNotFoundAndPathsOutsideTargetsHaveNoRoute() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        HttpResponse<Buffer> unknown = call(HttpMethod.GET, "/t/no-such-api/echo", vendor.bearer());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unknown_target");
        HttpResponse<Buffer> nowhere = call(HttpMethod.GET, "/elsewhere", vendor.bearer());
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(nowhere.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("no_route");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payload(LedgerChain.Entry e) {
        return e.payload() instanceof Map<?, ?> m ? (Map<String, Object>) m : new JsonObject(String.valueOf(e.payload())).getMap();
    }
}
