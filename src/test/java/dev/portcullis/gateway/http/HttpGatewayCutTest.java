package dev.portcullis.gateway.http;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.support.BrokerHarness;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The hard cut: when a grant closes, its exchanges and WebSockets close within a second and later requests get 403. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayCutTest {

    private HttpGatewayFixture f;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
    }

    @Test
    void longDownloadIsCutAtWindowEndAndTheSessionIsRecorded() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Instant now = Instant.now();
        Instant notAfter = now.plusSeconds(5);
        Grant grant = f.broker.grantScope(vendor.principal(), target,
                HttpGatewayFixture.scope(List.of("GET"), List.of("/slow", "/echo/**"), false), now.minusSeconds(1), notAfter, 10);
        BrokerHarness.Awaiting live = f.broker.harness.expect(HttpGateway.SESSIONS_ADDRESS,
                e -> grant.id().toString().equals(e.getString("grant")) && "LIVE".equals(e.getString("state")));
        assertThat(await(f.client.get("/t/" + target + "/echo/first").putHeader("authorization", vendor.bearer()).send())
                .statusCode()).isEqualTo(200);
        UUID session = UUID.fromString(live.get(Duration.ofSeconds(10)).getString("session"));
        BrokerHarness.Awaiting ended = f.broker.harness.expect(HttpGateway.SESSIONS_ADDRESS,
                e -> session.toString().equals(e.getString("session")) && "ENDED".equals(e.getString("state")));
        CompletableFuture<String> liveLine = new CompletableFuture<>();
        var feed = f.broker.vertx.eventBus().<String>consumer(HttpGateway.liveAddress(session), m -> liveLine.complete(m.body()));
        await(feed.completion());
        int slowClosedBefore = f.slowClosed.get();

        HttpClient client = f.broker.vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(f.gatewayCertificate.toString())));
        CompletableFuture<Void> firstBytes = new CompletableFuture<>();
        long[] received = {0};
        Promise<Instant> broken = Promise.promise();
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(f.gateway.port())
                        .setURI("/t/" + target + "/slow").putHeader("authorization", vendor.bearer()))
                .compose(request -> request.send())
                .onSuccess(response -> {
                    response.handler(chunk -> {
                        received[0] += chunk.length();
                        firstBytes.complete(null);
                    });
                    response.exceptionHandler(err -> broken.tryComplete(Instant.now()));
                    response.endHandler(v -> broken.tryComplete(Instant.now()));
                })
                .onFailure(err -> broken.tryComplete(Instant.now()));
        firstBytes.get(10, TimeUnit.SECONDS);
        Instant cutAt = await(broken.future());
        assertThat(Duration.between(notAfter, cutAt)).as("cut after the window's end").isLessThan(Duration.ofSeconds(1));
        assertThat(received[0]).isPositive();
        await(client.close());

        // Later requests: 403 with the reason.
        HttpResponse<Buffer> later = await(f.client.get("/t/" + target + "/echo/later").putHeader("authorization", vendor.bearer()).send());
        assertThat(later.statusCode()).isEqualTo(403);
        assertThat(later.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("window_closed");

        // The session ended window_closed, its recording digested into the ledger, and the target's leg closed too.
        ended.get(Duration.ofSeconds(10));
        LedgerChain.Entry end = f.awaitLedger("session:" + session, e -> e.type().equals("session.ended"));
        var payload = HttpGatewayScopeTest.payload(end);
        assertThat(payload).containsEntry("reason", "window_closed");
        byte[] recording = Files.readAllBytes(f.gateway.recording(session));
        assertThat(payload.get("recordingSha256")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(recording)));
        assertThat(((Number) payload.get("exchanges")).longValue()).isEqualTo(2);
        List<JsonObject> lines = new String(recording).lines().map(JsonObject::new).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).getString("path")).isEqualTo("/echo/first");
        assertThat(lines.get(0).getInteger("status")).isEqualTo(200);
        assertThat(lines.get(0).getString("identity")).isEqualTo(vendor.principal().name());
        assertThat(lines.get(0).getString("grant")).isEqualTo(grant.id().toString());
        assertThat(lines.get(1).getString("path")).isEqualTo("/slow");
        assertThat(lines.get(1).getString("cut")).isEqualTo("the grant's window has closed");
        assertThat(lines.get(1).getLong("bytesOut")).isPositive();
        assertThat(new String(recording)).doesNotContain(vendor.token()).doesNotContain(HttpGatewayFixture.SECRET_VALUE);
        assertThat(new JsonObject(liveLine.get(5, TimeUnit.SECONDS)).getString("path")).isIn("/echo/first", "/slow");
        assertThat(f.broker.session(session).orElseThrow().getString("end_reason")).isEqualTo("window_closed");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (f.slowClosed.get() == slowClosedBefore && System.nanoTime() < until) {
            await(f.broker.vertx.timer(20));
        }
        assertThat(f.slowClosed.get()).as("the target's side of the download was closed").isGreaterThan(slowClosedBefore);
        feed.unregister();
    }

    @Test
    void revokeClosesAnOpenWebSocketAtOnceAndLaterRequestsAreRefused() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, HttpGatewayFixture.scope(List.of("GET"), List.of("/ws/**", "/echo/**"), true),
                Duration.ofHours(1));
        var wsClient = f.broker.vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(f.gatewayCertificate.toString())));
        WebSocket ws = await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(f.gateway.port())
                .setSsl(true).setURI("/t/" + target + "/ws/live").addHeader("authorization", vendor.bearer())));
        CompletableFuture<String> echoed = new CompletableFuture<>();
        ws.textMessageHandler(echoed::complete);
        ws.writeTextMessage("ping");
        assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
        CompletableFuture<Instant> closed = new CompletableFuture<>();
        ws.closeHandler(v -> closed.complete(Instant.now()));

        Instant revoked = Instant.now();
        f.broker.revoke(grant.id());
        Instant closedAt = closed.get(5, TimeUnit.SECONDS);
        assertThat(Duration.between(revoked, closedAt)).isLessThan(Duration.ofSeconds(1));
        assertThat(ws.closeStatusCode()).isEqualTo((short) 1008);

        HttpResponse<Buffer> later = await(f.client.get("/t/" + target + "/echo/after-revoke").putHeader("authorization", vendor.bearer()).send());
        assertThat(later.statusCode()).isEqualTo(403);
        assertThat(later.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("revoked");
        UUID session = f.sessions(grant).get(0);
        LedgerChain.Entry end = f.awaitLedger("session:" + session, e -> e.type().equals("session.ended"));
        assertThat(HttpGatewayScopeTest.payload(end)).containsEntry("reason", "terminated");
        await(wsClient.close());
    }


    @Test
    void auditorTerminatesAnHttpSessionThroughTheApiCuttingItsDownload() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, HttpGatewayFixture.scope(List.of("GET"), List.of("/slow", "/echo/**"), false),
                Duration.ofHours(1));
        HttpClient client = f.broker.vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(f.gatewayCertificate.toString())));
        CompletableFuture<Void> firstBytes = new CompletableFuture<>();
        Promise<Instant> broken = Promise.promise();
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(f.gateway.port())
                        .setURI("/t/" + target + "/slow").putHeader("authorization", vendor.bearer()))
                .compose(request -> request.send())
                .onSuccess(response -> {
                    response.handler(chunk -> firstBytes.complete(null));
                    response.exceptionHandler(err -> broken.tryComplete(Instant.now()));
                    response.endHandler(v -> broken.tryComplete(Instant.now()));
                })
                .onFailure(err -> broken.tryComplete(Instant.now()));
        firstBytes.get(10, TimeUnit.SECONDS);
        UUID session = f.sessions(grant).get(0);

        Instant asked = Instant.now();
        var api = f.broker.harness.api();
        var answer = api.post("/sessions/" + session + "/terminate", api.adminToken(), new JsonObject());
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.json().getString("state")).isEqualTo("ENDED");
        assertThat(answer.json().getString("endReason")).isEqualTo("terminated");
        assertThat(Duration.between(asked, await(broken.future()))).isLessThan(Duration.ofSeconds(1));
        LedgerChain.Entry end = f.awaitLedger("session:" + session, e -> e.type().equals("session.ended"));
        assertThat(end.actor()).isEqualTo("admin");
        assertThat(api.post("/sessions/" + session + "/terminate", api.adminToken(), new JsonObject()).status()).isEqualTo(404);
        await(client.close());
    }
}
