package dev.portcullis.notifications;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.Fixtures;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks reach a real HTTP receiver, signed so that the receiver can check them with nothing but the shared
 * secret; a receiver that fails at first gets the same delivery again; only the configured entry types are sent.
 */
class WebhooksTest {

    private static final String SECRET = "a-webhook-secret-only-the-receiver-knows";

    /** One POST as the receiver saw it. */
    record Received(String delivery, String event, String timestamp, String signature, byte[] body, int answered) {
        JsonObject json() {
            return new JsonObject(new String(body, StandardCharsets.UTF_8));
        }
    }

    static HttpServer receiver;
    static final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    static final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    static BrokerHarness broker;
    static Api api;
    static Fixtures cast;

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String delivery = exchange.getRequestHeaders().getFirst("X-Portcullis-Delivery");
            // the receiver is down for every delivery's first attempt
            int status = attempts.merge(delivery, 1, Integer::sum) == 1 ? 503 : 204;
            received.add(new Received(delivery, exchange.getRequestHeaders().getFirst("X-Portcullis-Event"),
                    exchange.getRequestHeaders().getFirst("X-Portcullis-Timestamp"),
                    exchange.getRequestHeaders().getFirst("X-Portcullis-Signature"), body, status));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        String hooks = new JsonArray().add(new JsonObject()
                .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
                .put("secret", SECRET)
                .put("events", new JsonArray(List.of("request.filed", "request.approved", "breakglass.*")))).encode();
        broker = BrokerHarness.start(Files.createTempDirectory("portcullis-webhooks"), Map.of("PORTCULLIS_WEBHOOKS", hooks));
        api = broker.api();
        cast = Fixtures.standard(api);
    }

    @AfterAll
    static void stop() {
        broker.close();
        receiver.stop(0);
    }

    /** The next delivery of {@code type} for {@code subject}, skipping others. */
    static Received next(String type, String subject) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Received r = received.poll(1, TimeUnit.SECONDS);
            if (r != null && type.equals(r.event()) && subject.equals(r.json().getJsonObject("entry").getString("subject"))) {
                return r;
            }
        }
        throw new AssertionError("no " + type + " delivery for " + subject + " within 30 s");
    }

    @Test
    void aNewRequestIsDeliveredSignedAndRetriedUntilTheReceiverTakesIt() throws Exception {
        JsonObject request = cast.file("vendor", Fixtures.request("CHG-7001", "vendor", "web-prod", "config",
                Duration.ofMinutes(5), Duration.ofHours(1)));
        String subject = "request:" + request.getString("id");

        Received first = next("request.filed", subject);
        Received retry = next("request.filed", subject);

        assertThat(first.answered()).isEqualTo(503);
        assertThat(retry.answered()).isEqualTo(204);
        assertThat(retry.delivery()).isEqualTo(first.delivery());
        for (Received r : List.of(first, retry)) {
            // what a receiver does, with nothing of ours: HMAC-SHA256(secret, timestamp + "." + body)
            assertThat(r.signature()).isEqualTo("sha256=" + hmac(SECRET, r.timestamp() + "." + new String(r.body(), StandardCharsets.UTF_8)));
            assertThat(Long.parseLong(r.timestamp())).isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 5);
            assertThat(WebhookSignature.verify(SECRET, r.timestamp(), r.body(), r.signature(), Instant.now().getEpochSecond(), 300)).isTrue();
        }
        JsonObject body = retry.json();
        assertThat(body.getString("type")).isEqualTo("request.filed");
        JsonObject entry = body.getJsonObject("entry");
        assertThat(entry.getString("actor")).isEqualTo("vendor");
        assertThat(entry.getJsonObject("payload").getString("digest")).isEqualTo(request.getString("digest"));
        assertThat(entry.getString("hash")).hasSize(64);
        // a tampered body or another secret does not verify
        byte[] tampered = new String(retry.body(), StandardCharsets.UTF_8).replace("vendor", "vandal").getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify(SECRET, retry.timestamp(), tampered, retry.signature(), Instant.now().getEpochSecond(), 300)).isFalse();
        assertThat(WebhookSignature.verify("another-secret-entirely!", retry.timestamp(), retry.body(), retry.signature(),
                Instant.now().getEpochSecond(), 300)).isFalse();
        // a replayed delivery with an old timestamp is refused by a receiver that checks it
        assertThat(WebhookSignature.verify(SECRET, retry.timestamp(), retry.body(), retry.signature(),
                Instant.now().getEpochSecond() + 3600, 300)).isFalse();
    }

    @Test
    void decisionsAndBreakGlassAreDeliveredAndTheWaitForTheDecisionIsMeasured() throws Exception {
        JsonObject request = cast.file("vendor2", Fixtures.request("CHG-7002", "vendor2", "web-prod", "config",
                Duration.ofMinutes(5), Duration.ofHours(1)));
        assertThat(cast.decide("alice", request, "approve").status()).isEqualTo(200);
        Received approved = next("request.approved", "request:" + request.getString("id"));
        assertThat(approved.json().getJsonObject("entry").getJsonObject("payload").getString("basis")).isEqualTo("approvals");

        JsonObject emergency = Fixtures.request("INC-7003", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofMinutes(30))
                .put("emergency", true);
        JsonObject broken = cast.file("vendor", emergency);
        Received opened = next("breakglass.opened", "request:" + broken.getString("id"));
        assertThat(opened.json().getJsonObject("entry").getJsonObject("payload").getString("ticket")).isEqualTo("INC-7003");

        Timer wait = broker.broker().meters().registry().find("portcullis.approval.wait").tag("decision", "approved").timer();
        assertThat(wait).isNotNull();
        assertThat(wait.count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void onlyTheConfiguredEntryTypesAreSent() throws Exception {
        cast.principal("webhook-quiet", "human", List.of("vendor"), List.of());
        JsonObject request = cast.file("vendor", Fixtures.request("CHG-7004", "vendor", "web-prod", "config",
                Duration.ofMinutes(5), Duration.ofHours(1)));
        next("request.filed", "request:" + request.getString("id"));

        Set<String> wanted = Set.of("request.filed", "request.approved", "breakglass.opened", "breakglass.reviewed");
        assertThat(received).allMatch(r -> wanted.contains(r.event()));
        assertThat(attempts.size()).isPositive();
    }

    static String hmac(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
