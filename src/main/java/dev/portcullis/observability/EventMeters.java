package dev.portcullis.observability;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns what the broker already announces into meters: committed ledger entries (refusals, session starts,
 * decisions) and session lifecycle events (live, ended). Reading the announcements rather than calling meters
 * from inside every component keeps the meters exactly as true as the ledger, and lets a new gateway be
 * counted by ledgering and announcing the same way.
 */
public final class EventMeters {

    private static final Logger LOG = LoggerFactory.getLogger(EventMeters.class);
    /** Session end reasons that mean the session never really ran. */
    private static final Set<String> FAILED = Set.of("error", "refused");
    /** Entry types after which the state gauges are worth refreshing at once rather than at the next period. */
    private static final Set<String> STATE_CHANGES = Set.of("request.filed", "request.approved", "request.denied",
            "request.withdrawn", "request.lapsed", "breakglass.opened", "breakglass.reviewed", "grant.issued",
            "grant.activated", "grant.closed", "grant.close_failed", "grant.revoked", "target.registered",
            "lease.revoked", "lease.revocation_failed");

    private final Meters meters;
    private final Pool pool;
    private final StateGauges gauges;
    private final Map<String, Meters.SessionKey> live = new ConcurrentHashMap<>();
    private MessageConsumer<JsonObject> ledger;
    private MessageConsumer<JsonObject> sessions;

    public EventMeters(Meters meters, Pool pool, StateGauges gauges) {
        this.meters = meters;
        this.pool = pool;
        this.gauges = gauges;
    }

    public void start(Vertx vertx, String ledgerAddress, String sessionsAddress) {
        ledger = vertx.eventBus().consumer(ledgerAddress, m -> onLedger(m.body()));
        sessions = vertx.eventBus().consumer(sessionsAddress, m -> onLifecycle(m.body()));
    }

    public void stop() {
        if (ledger != null) {
            ledger.unregister();
            sessions.unregister();
        }
    }

    void onLedger(JsonObject entry) {
        String type = entry.getString("type", "");
        meters.ledgerCommitted(type, Duration.between(OffsetDateTime.parse(entry.getString("at")).toInstant(), Instant.now()));
        JsonObject payload = entry.getJsonObject("payload", new JsonObject());
        switch (type) {
            case "access.refused" -> {
                meters.accessDenied(payload.getString("reason", "unknown"));
                meters.sessionStarted(protocolOf(payload.getString("action", "")), "refused");
            }
            // The HTTP gateway's own refusals (credential unavailable, e.g. vault_sealed; malformed requests) are
            // ledgered apart from the verifier's, but are refused attempts all the same, as they are over SSH.
            case "http.refused" -> meters.accessDenied(payload.getString("reason", "unknown"));
            case "session.started" -> meters.sessionStarted(payload.getString("protocol", "ssh"), "started");
            case "request.approved" -> {
                // Only decisions people made: break-glass and pre-approved automation have no wait to measure.
                if ("approvals".equals(payload.getString("basis"))) {
                    waited(entry, "approved");
                }
            }
            case "request.denied" -> waited(entry, "denied");
            default -> {
            }
        }
        if (STATE_CHANGES.contains(type)) {
            gauges.refreshSoon();
        }
    }

    private static String protocolOf(String action) {
        return action.startsWith("ssh") ? "ssh" : "http";
    }

    private void waited(JsonObject entry, String decision) {
        String subject = entry.getString("subject", "");
        if (!subject.startsWith("request:")) {
            return;
        }
        OffsetDateTime decided = OffsetDateTime.parse(entry.getString("at"));
        pool.preparedQuery("SELECT created_at FROM access_requests WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(subject.substring("request:".length()))))
                .onSuccess(rows -> {
                    if (rows.size() == 1) {
                        OffsetDateTime filed = rows.iterator().next().getOffsetDateTime("created_at");
                        meters.approvalDecided(decision, Duration.between(filed, decided));
                    }
                })
                .onFailure(e -> LOG.debug("approval wait of {} not measured: {}", subject, e.toString()));
    }

    void onLifecycle(JsonObject event) {
        String session = event.getString("session");
        String state = event.getString("state", "");
        if ("LIVE".equals(state)) {
            Meters.SessionKey key = new Meters.SessionKey(event.getString("protocol", "ssh"), event.getString("target", ""),
                    event.getString("environment", ""));
            if (live.putIfAbsent(session, key) == null) {
                meters.sessionLive(key);
            }
        } else if ("ENDED".equals(state)) {
            Meters.SessionKey key = live.remove(session);
            if (key != null) {
                meters.sessionEnded(key);
            }
            if (FAILED.contains(event.getString("reason", ""))) {
                meters.sessionStarted(event.getString("protocol", "ssh"), "failed");
            }
        }
    }
}
