package dev.portcullis.gateway.http;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The vendor's credentials never reach the target; the target's credential does, and only the gateway holds it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayInjectionTest {

    private HttpGatewayFixture f;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
    }

    @Test
    void targetSeesItsOwnCredentialAndNeverTheVendors() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        f.grant(vendor, target, List.of("GET", "POST"), List.of("/echo/**"));
        HttpResponse<Buffer> answer = await(f.client.post("/t/" + target + "/echo/inject?q=1")
                .putHeader("authorization", vendor.bearer())
                .putHeader("cookie", "vendor-session=abc")
                .putHeader("proxy-authorization", "Basic dmVuZG9yOnB3")
                .putHeader("connection", "keep-alive, x-vendor-hop")
                .putHeader("x-vendor-hop", "hop-by-hop: must not cross")
                .putHeader("keep-alive", "timeout=5")
                .putHeader("te", "trailers")
                .putHeader("x-forwarded-for", "6.6.6.6")
                .putHeader("x-request-id", "req-77")
                .sendBuffer(Buffer.buffer("hello")));
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonObject seen = answer.bodyAsJsonObject();
        JsonObject headers = seen.getJsonObject("headers");
        assertThat(headers.getJsonArray("authorization")).containsExactly("Bearer " + HttpGatewayFixture.SECRET_VALUE);
        assertThat(headers.encode()).doesNotContain(vendor.token()).doesNotContain("vendor-session").doesNotContain("dmVuZG9yOnB3")
                .doesNotContain("6.6.6.6");
        assertThat(headers.fieldNames()).doesNotContain("cookie", "proxy-authorization", "x-vendor-hop", "keep-alive", "te");
        assertThat(headers.getJsonArray("x-request-id")).containsExactly("req-77");
        assertThat(headers.getJsonArray("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(headers.getJsonArray("x-forwarded-proto")).containsExactly("https");
        assertThat(headers.getJsonArray("forwarded").getString(0)).startsWith("for=127.0.0.1;proto=https");
        assertThat(seen.getString("uri")).isEqualTo("/echo/inject?q=1");
        assertThat(seen.getInteger("bodyBytes")).isEqualTo(5);
        // And back: the target's hop-by-hop headers stop at the gateway; its cookies are the vendor's business.
        assertThat(answer.headers().contains("x-upstream-hop")).isFalse();
        assertThat(answer.getHeader("set-cookie")).isEqualTo("target-session=1");
    }

    @Test
    void curlThroughTheGatewayOverTlsReachesAnHttpsTargetWithItsOwnCa() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target("https://127.0.0.1:" + f.upstreamTlsPort + "/api",
                HttpGatewayFixture.localCredential(HttpGatewayFixture.SECRET_NAME));
        f.grant(vendor, target, List.of("GET"), List.of("/echo/**"));
        Process curl = new ProcessBuilder("curl", "-sS", "--cacert", f.gatewayCertificate.toString(),
                "-H", "Authorization: " + vendor.bearer(), "-b", "vendor-cookie=1", "-w", "\n%{http_code}",
                f.base() + "/t/" + target + "/echo/via-curl").redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).endsWith("\n200");
        JsonObject seen = new JsonObject(out.substring(0, out.lastIndexOf('\n')));
        assertThat(seen.getString("uri")).isEqualTo("/api/echo/via-curl");
        assertThat(seen.getJsonObject("headers").getJsonArray("authorization")).containsExactly("Bearer " + HttpGatewayFixture.SECRET_VALUE);
        assertThat(seen.getJsonObject("headers").containsKey("cookie")).isFalse();
    }

    @Test
    void credentialIsFetchedOncePerSessionAndNamedInTheLedgerNeverShown() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, List.of("GET"), List.of("/echo/**"));
        for (int i = 0; i < 5; i++) {
            assertThat(await(f.client.get("/t/" + target + "/echo/" + i).putHeader("authorization", vendor.bearer()).send())
                    .statusCode()).isEqualTo(200);
        }
        assertThat(f.sessions(grant)).hasSize(1);
        LedgerChain.Entry started = f.awaitLedger("session:" + f.sessions(grant).get(0), e -> e.type().equals("session.started"));
        assertThat(HttpGatewayScopeTest.payload(started)).containsEntry("credential", "local:" + HttpGatewayFixture.SECRET_NAME)
                .containsEntry("protocol", "http");
        assertThat(String.valueOf(started.payload())).doesNotContain(HttpGatewayFixture.SECRET_VALUE);
        // The session record names the grant's request digest and where the injected credential came from.
        io.vertx.sqlclient.Row session = f.broker.sessionsOf(grant.id()).get(0);
        assertThat(session.getString("request_digest")).isEqualTo(grant.requestDigest());
        assertThat(session.getString("credential")).isEqualTo("local:" + HttpGatewayFixture.SECRET_NAME);
    }

    @Test
    void failsClosedWhenTheCredentialCannotBeHad() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target("http://127.0.0.1:" + f.upstreamPort, HttpGatewayFixture.localCredential("never-stored"));
        Grant grant = f.grant(vendor, target, List.of("GET"), List.of("/echo/**"));
        int before = f.seenAt("/echo/fail-closed").size();
        HttpResponse<Buffer> answer = await(f.client.get("/t/" + target + "/echo/fail-closed").putHeader("authorization", vendor.bearer()).send());
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("local_secret_missing");
        assertThat(f.seenAt("/echo/fail-closed")).hasSize(before);
        assertThat(f.sessions(grant)).isEmpty();
        LedgerChain.Entry refused = f.awaitLedger("target:" + target, e -> e.type().equals("http.refused"));
        assertThat(HttpGatewayScopeTest.payload(refused)).containsEntry("reason", "local_secret_missing");
        // Once the secret exists, the next request opens the session: nothing was cached from the failure.
        await(f.broker.harness.broker().localSecrets().put(f.broker.admin, "never-stored", "late-secret"));
        HttpResponse<Buffer> later = await(f.client.get("/t/" + target + "/echo/fail-closed").putHeader("authorization", vendor.bearer()).send());
        assertThat(later.statusCode()).isEqualTo(200);
        assertThat(later.bodyAsJsonObject().getJsonObject("headers").getJsonArray("authorization")).containsExactly("Bearer late-secret");
    }

    @Test
    void localSecretsAreSealedAtRestAndStoredOnlyByAdmins() {
        var rows = f.broker.harness.sql("SELECT sealed FROM local_secrets WHERE name = $1", HttpGatewayFixture.SECRET_NAME);
        byte[] sealed = rows.iterator().next().getBuffer("sealed").getBytes();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(HttpGatewayFixture.SECRET_VALUE);
        HttpGatewayFixture.Vendor vendor = f.vendor();
        var api = f.broker.harness.api();
        var refused = api.put("/secrets/stolen", vendor.token(), new JsonObject().put("value", "x"));
        assertThat(refused.status()).isEqualTo(403);
        var stored = api.put("/secrets/billing-api", api.adminToken(), new JsonObject().put("value", "b-123"));
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        assertThat(stored.toString()).doesNotContain("b-123");
    }
}
