package dev.portcullis.notifications;

import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.observability.Meters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Outgoing webhooks, driven by committed ledger entries: each receiver gets the entry types it listed, as a signed
 * JSON POST (see {@link WebhookSignature}). Delivery never touches the request path: entries are queued (bounded per
 * receiver; when full, the oldest waiting delivery is dropped and logged), sent one at a time per receiver in ledger
 * order, and retried with doubling backoff. Failures are logged with the receiver's URL and never its secret.
 */
public final class Webhooks {

    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

    /** Tunables, with the defaults the broker runs with. */
    public record Tuning(int queueLimit, int attempts, Duration firstRetry, Duration maxRetry, Duration timeout) {
        public static Tuning defaults() {
            return new Tuning(1000, 8, Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofSeconds(10));
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final Meters meters;
    private final List<Receiver> receivers = new ArrayList<>();
    private MessageConsumer<JsonObject> consumer;

    public Webhooks(Vertx vertx, List<PortcullisConfig.Webhook> hooks, Meters meters, Tuning tuning) {
        this.vertx = vertx;
        this.meters = meters;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) tuning.timeout().toMillis()));
        hooks.forEach(h -> receivers.add(new Receiver(this, h, tuning)));
    }

    public void start(String ledgerAddress) {
        if (!receivers.isEmpty()) {
            consumer = vertx.eventBus().consumer(ledgerAddress, m -> offer(m.body()));
            receivers.forEach(r -> LOG.info("webhook to {} for {}", r.hook.where(), r.hook.events()));
        }
    }

    public Future<Void> stop() {
        if (consumer != null) {
            consumer.unregister();
        }
        receivers.forEach(Receiver::stop);
        return client.close();
    }

    void offer(JsonObject entry) {
        String type = entry.getString("type", "");
        for (Receiver r : receivers) {
            if (wants(r.hook.events(), type)) {
                r.enqueue(entry);
            }
        }
    }

    static boolean wants(List<String> events, String type) {
        for (String e : events) {
            if (e.equals(type) || e.endsWith("*") && type.startsWith(e.substring(0, e.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /** One signed POST; succeeds on any 2xx answer. */
    Future<Void> post(PortcullisConfig.Webhook hook, String deliveryId, String type, Buffer body, Duration timeout) {
        long timestamp = System.currentTimeMillis() / 1000;
        String signature = WebhookSignature.sign(hook.secret(), timestamp, body.getBytes());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(hook.url())
                .setTimeout(timeout.toMillis())
                .putHeader("content-type", "application/json")
                .putHeader(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .putHeader(WebhookSignature.SIGNATURE_HEADER, signature)
                .putHeader(WebhookSignature.EVENT_HEADER, type)
                .putHeader(WebhookSignature.DELIVERY_HEADER, deliveryId)
                .putHeader("user-agent", "portcullis-webhooks");
        return client.request(options).compose(req -> req.send(body)).compose(resp -> {
            // read (and drop) the body so the connection can be reused
            return resp.body().compose(ignored -> resp.statusCode() / 100 == 2 ? Future.<Void>succeededFuture()
                    : Future.failedFuture("answered HTTP " + resp.statusCode()));
        });
    }

    Vertx vertx() {
        return vertx;
    }

    Meters meters() {
        return meters;
    }

    static String newDeliveryId() {
        return UUID.randomUUID().toString();
    }
}
