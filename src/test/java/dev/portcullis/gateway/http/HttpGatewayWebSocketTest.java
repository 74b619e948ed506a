package dev.portcullis.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** WebSocket upgrades pass when the scope says {@code websocket: true}, with the target's credential; never otherwise. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayWebSocketTest {

    private HttpGatewayFixture f;
    private WebSocketClient client;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
        client = f.broker.vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(f.gatewayCertificate.toString())));
    }

    @AfterAll
    void stop() {
        await(client.close());
    }

    WebSocket connect(HttpGatewayFixture.Vendor vendor, String uri) {
        return await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(f.gateway.port()).setSsl(true)
                .setURI(uri).addHeader("authorization", vendor.bearer())));
    }

    @Test
    void webSocketPassesThroughWhenTheScopeAllowsIt() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        f.grant(vendor, target, HttpGatewayFixture.scope(List.of("GET"), List.of("/ws/**"), true), Duration.ofHours(1));
        WebSocket ws = connect(vendor, "/t/" + target + "/ws/feed?x=1");
        CompletableFuture<String> text = new CompletableFuture<>();
        CompletableFuture<Buffer> binary = new CompletableFuture<>();
        ws.textMessageHandler(text::complete);
        ws.binaryMessageHandler(binary::complete);
        ws.writeTextMessage("hello through the gateway");
        ws.writeBinaryMessage(Buffer.buffer(new byte[]{1, 2, 3, 0, (byte) 255}));
        assertThat(text.get(10, TimeUnit.SECONDS)).isEqualTo("hello through the gateway");
        assertThat(binary.get(10, TimeUnit.SECONDS).getBytes()).containsExactly(1, 2, 3, 0, 255);
        JsonObject upgrade = f.seenAt("/ws/feed").get(0);
        assertThat(upgrade.getString("method")).isEqualTo("WEBSOCKET");
        assertThat(upgrade.getString("uri")).isEqualTo("/ws/feed?x=1");
        assertThat(upgrade.getJsonObject("headers").getJsonArray("authorization")).containsExactly("Bearer " + HttpGatewayFixture.SECRET_VALUE);
        assertThat(upgrade.getJsonObject("headers").encode()).doesNotContain(vendor.token());
        await(ws.close());
    }

    @Test
    void webSocketIsRefusedWhenTheScopeDoesNotAllowIt() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        var grant = f.grant(vendor, target, HttpGatewayFixture.scope(List.of("GET"), List.of("/ws/**"), false), Duration.ofHours(1));
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> connect(vendor, "/t/" + target + "/ws/denied"));
        while (refused != null && !(refused instanceof UpgradeRejectedException)) {
            refused = refused.getCause();
        }
        assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
        assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(403);
        assertThat(f.seenAt("/ws/denied")).isEmpty();
        var entry = f.awaitLedger("grant:" + grant.id(), e -> e.type().equals("access.refused"));
        assertThat(HttpGatewayScopeTest.payload(entry)).containsEntry("reason", "out_of_scope");
        assertThat(String.valueOf(HttpGatewayScopeTest.payload(entry).get("action"))).startsWith("websocket GET /ws/denied");
    }
}
