package dev.portcullis.notifications;

import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.observability.Meters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** One webhook receiver's queue: one delivery in flight, in ledger order, retried with doubling backoff. */
final class Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Receiver.class);

    private record Delivery(String id, String type, Buffer body) {
    }

    final PortcullisConfig.Webhook hook;
    private final Webhooks webhooks;
    private final Webhooks.Tuning tuning;
    private final Deque<Delivery> queue = new ArrayDeque<>();
    private boolean sending;
    private boolean stopped;
    private long retryTimer = -1;

    Receiver(Webhooks webhooks, PortcullisConfig.Webhook hook, Webhooks.Tuning tuning) {
        this.webhooks = webhooks;
        this.hook = hook;
        this.tuning = tuning;
    }

    // Called on the event-bus consumer's event loop, as are the completions of sends: no locking needed beyond that,
    // but synchronized keeps it correct if a caller ever comes from elsewhere.
    synchronized void enqueue(JsonObject entry) {
        if (stopped) {
            return;
        }
        if (queue.size() >= tuning.queueLimit()) {
            Delivery dropped = queue.pollFirst();
            webhooks.meters().add(Meters.State.WEBHOOK_QUEUE, -1);
            LOG.error("webhook queue for {} is full ({}): dropped delivery {} of {}", hook.where(), tuning.queueLimit(),
                    dropped.id(), dropped.type());
        }
        String id = Webhooks.newDeliveryId();
        String type = entry.getString("type");
        JsonObject body = new JsonObject().put("delivery", id).put("type", type).put("entry", entry);
        queue.addLast(new Delivery(id, type, body.toBuffer()));
        webhooks.meters().add(Meters.State.WEBHOOK_QUEUE, 1);
        next();
    }

    private synchronized void next() {
        if (sending || stopped || queue.isEmpty()) {
            return;
        }
        sending = true;
        attempt(queue.peekFirst(), 1, tuning.firstRetry());
    }

    private void attempt(Delivery d, int attempt, Duration backoff) {
        webhooks.post(hook, d.id(), d.type(), d.body(), tuning.timeout()).onComplete(done -> {
            if (done.succeeded()) {
                webhooks.meters().webhookDeliveries("ok").increment();
                finished(d);
                return;
            }
            webhooks.meters().webhookDeliveries("error").increment();
            if (attempt >= tuning.attempts()) {
                LOG.error("webhook delivery {} of {} to {} failed {} times, giving up: {}", d.id(), d.type(), hook.where(),
                        attempt, done.cause().getMessage());
                finished(d);
                return;
            }
            LOG.warn("webhook delivery {} of {} to {} failed (attempt {}), retrying in {}: {}", d.id(), d.type(), hook.where(),
                    attempt, backoff, done.cause().getMessage());
            Duration nextBackoff = backoff.multipliedBy(2).compareTo(tuning.maxRetry()) > 0 ? tuning.maxRetry() : backoff.multipliedBy(2);
            synchronized (this) {
                if (stopped) {
                    return;
                }
                retryTimer = webhooks.vertx().setTimer(backoff.toMillis(), t -> attempt(d, attempt + 1, nextBackoff));
            }
        });
    }

    private void finished(Delivery d) {
        synchronized (this) {
            if (queue.peekFirst() == d) {
                queue.pollFirst();
                webhooks.meters().add(Meters.State.WEBHOOK_QUEUE, -1);
            }
            sending = false;
        }
        next();
    }

    synchronized void stop() {
        stopped = true;
        if (retryTimer >= 0) {
            webhooks.vertx().cancelTimer(retryTimer);
        }
        webhooks.meters().add(Meters.State.WEBHOOK_QUEUE, -queue.size());
        queue.clear();
    }
}
