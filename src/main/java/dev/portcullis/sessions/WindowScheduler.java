package dev.portcullis.sessions;

import dev.portcullis.access.AccessEvents;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.GrantState;
import dev.portcullis.domain.RequestState;
import dev.portcullis.store.Grants;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Sessions;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Moves grants and requests through time: SCHEDULED → ACTIVE at notBefore, ACTIVE → CLOSING at notAfter,
 * then CLOSING → CLOSED once every {@link GrantClosingHook} has finished (CLOSE_FAILED otherwise, retried
 * with backoff); PENDING requests LAPSE at notAfter. Each transition has its own one-shot timer — no
 * polling — and all timers are re-armed from the database at start-up, so a restart loses none.
 * Transitions are conditional updates, so when several nodes arm the same timer exactly one wins and
 * exactly one ledger entry is written.
 */
public final class WindowScheduler implements AccessEvents {

    private static final Logger LOG = LoggerFactory.getLogger(WindowScheduler.class);

    /** Event bus address on which every transition this node makes is published (JSON). */
    public static final String TRANSITIONS = "portcullis.transitions";

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);

    private final Vertx vertx;
    private final Transactions transactions;
    private final GrantVerifier verifier;
    private final List<GrantClosingHook> hooks = new CopyOnWriteArrayList<>();
    private final Map<UUID, Long> timers = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    public WindowScheduler(Vertx vertx, Transactions transactions, GrantVerifier verifier) {
        this.vertx = vertx;
        this.transactions = transactions;
        this.verifier = verifier;
    }

    public void addClosingHook(GrantClosingHook hook) {
        hooks.add(hook);
    }

    /** Re-arms every timer from the database; overdue transitions happen at once. */
    public Future<Void> start() {
        Future<List<Grant>> grants = Grants.withPendingTransitions(transactions.pool());
        Future<List<AccessRequest>> pending = Requests.pending(transactions.pool());
        return Future.all(grants, pending).map(done -> {
            grants.result().forEach(this::arm);
            pending.result().forEach(this::requestFiled);
            LOG.info("window scheduler armed {} grant and {} request timers", grants.result().size(), pending.result().size());
            return null;
        });
    }

    public void stop() {
        stopped = true;
        timers.values().forEach(vertx::cancelTimer);
        timers.clear();
    }

    @Override
    public void requestFiled(AccessRequest request) {
        if (request.state() == RequestState.PENDING) {
            at(request.id(), request.window().notAfter(), () -> lapse(request.id()));
        }
    }

    @Override
    public void grantIssued(Grant grant) {
        // This node may hold a cached "no grant" for the pair; the NOTIFY that clears it arrives a little later.
        verifier.invalidate(grant.executorId(), grant.targetId());
        cancel(grant.requestId());
        arm(grant);
    }

    @Override
    public void grantClosing(Grant grant) {
        verifier.invalidate(grant.executorId(), grant.targetId());
        close(grant, FIRST_RETRY);
    }

    private void arm(Grant grant) {
        switch (grant.state()) {
            case SCHEDULED -> at(grant.id(), grant.window().notBefore(), () -> activate(grant));
            case ACTIVE -> at(grant.id(), grant.window().notAfter(), () -> expire(grant));
            // A grant that failed to close before a restart is retried like one still closing: its leases may still live.
            case CLOSING, CLOSE_FAILED -> close(grant, FIRST_RETRY);
            case CLOSED -> {
            }
        }
    }

    private void activate(Grant grant) {
        move(grant, GrantState.SCHEDULED, GrantState.ACTIVE, null, "grant.activated").onSuccess(moved -> {
            arm(grant.withState(GrantState.ACTIVE, grant.closeReason()));
        });
    }

    private void expire(Grant grant) {
        move(grant, GrantState.ACTIVE, GrantState.CLOSING, "window_closed", "grant.window_closed")
                .onSuccess(moved -> {
                    verifier.invalidate(grant.executorId(), grant.targetId());
                    if (moved) {
                        close(grant.withState(GrantState.CLOSING, "window_closed"), FIRST_RETRY);
                    }
                });
    }

    /** Runs every closing hook, then moves CLOSING → CLOSED; on failure CLOSE_FAILED and a retry with backoff. */
    private void close(Grant grant, Duration retry) {
        if (stopped) {
            return;
        }
        String reason = grant.closeReason() == null ? "window_closed" : grant.closeReason();
        Future<Void> all = Future.succeededFuture();
        for (GrantClosingHook hook : hooks) {
            all = all.compose(v -> hook.close(grant, reason).recover(failure -> Future.failedFuture(
                    new IllegalStateException(hook.name() + ": " + failure.getMessage(), failure))));
        }
        all.compose(v -> Sessions.liveForGrant(transactions.pool(), grant.id()))
                .compose(live -> live == 0 ? Future.succeededFuture()
                        : Future.failedFuture(new IllegalStateException(live + " session(s) still live")))
                .compose(v -> transactions.run(tx -> Grants.byId(tx.sql(), grant.id()).compose(current -> {
                    GrantState from = current.orElseThrow().state();
                    if (from != GrantState.CLOSING && from != GrantState.CLOSE_FAILED) {
                        return Future.succeededFuture(false);
                    }
                    return Grants.transition(tx.sql(), grant.id(), from, GrantState.CLOSED, null, tx.now())
                            .compose(moved -> tx.record(new LedgerEvent("grant.closed", "broker", "grant:" + grant.id(),
                                    Map.of("reason", reason))).map(moved));
                })))
                .onSuccess(moved -> {
                    cancel(grant.id());
                    if (moved) {
                        publish(grant, GrantState.CLOSED, reason);
                    }
                })
                .onFailure(failure -> closeFailed(grant, reason, failure, retry));
    }

    private void closeFailed(Grant grant, String reason, Throwable failure, Duration retry) {
        LOG.error("grant {} could not be closed ({}); retrying in {}", grant.id(), failure.getMessage(), retry);
        transactions.run(tx -> Grants.transition(tx.sql(), grant.id(), GrantState.CLOSING, GrantState.CLOSE_FAILED, null, tx.now())
                        .compose(moved -> moved
                                ? tx.record(new LedgerEvent("grant.close_failed", "broker", "grant:" + grant.id(),
                                Map.of("reason", reason, "failure", String.valueOf(failure.getMessage())))).map(moved)
                                : Future.succeededFuture(moved)))
                .onComplete(done -> {
                    if (done.succeeded() && done.result()) {
                        publish(grant, GrantState.CLOSE_FAILED, reason);
                    }
                    Duration next = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
                    at(grant.id(), Instant.now().plus(retry), () -> close(grant, next));
                });
    }

    private Future<Boolean> move(Grant grant, GrantState from, GrantState to, String reason, String type) {
        return transactions.run(tx -> Grants.transition(tx.sql(), grant.id(), from, to, reason, tx.now()).compose(moved -> moved
                        ? tx.record(new LedgerEvent(type, "broker", "grant:" + grant.id(),
                        Map.of("from", from.name(), "to", to.name(), "notBefore", grant.window().notBefore().toString(),
                                "notAfter", grant.window().notAfter().toString()))).map(true)
                        : Future.succeededFuture(false)))
                .onSuccess(moved -> {
                    if (moved) {
                        publish(grant, to, reason);
                    }
                })
                .onFailure(failure -> {
                    // The database is unreachable: try again shortly; the verifier refuses meanwhile by time alone.
                    LOG.warn("grant {} {} → {} failed ({}); retrying", grant.id(), from, to, failure.getMessage());
                    at(grant.id(), Instant.now().plus(FIRST_RETRY), () -> arm(grant));
                });
    }

    private void lapse(UUID requestId) {
        transactions.run(tx -> Requests.decide(tx.sql(), requestId, RequestState.LAPSED, "window passed without a decision", tx.now())
                        .compose(moved -> moved
                                ? tx.record(new LedgerEvent("request.lapsed", "broker", "request:" + requestId, Map.of())).map(true)
                                : Future.succeededFuture(false)))
                .onSuccess(moved -> {
                    timers.remove(requestId);
                    if (moved) {
                        vertx.eventBus().publish(TRANSITIONS, new JsonObject().put("request", requestId.toString())
                                .put("state", RequestState.LAPSED.name()));
                    }
                })
                .onFailure(failure -> at(requestId, Instant.now().plus(FIRST_RETRY), () -> lapse(requestId)));
    }

    private void at(UUID key, Instant when, Runnable action) {
        if (stopped) {
            return;
        }
        long delay = Math.max(1, Duration.between(Instant.now(), when).toMillis());
        long id = vertx.setTimer(delay, t -> {
            timers.remove(key);
            action.run();
        });
        Long previous = timers.put(key, id);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
    }

    private void cancel(UUID key) {
        Long id = timers.remove(key);
        if (id != null) {
            vertx.cancelTimer(id);
        }
    }

    private void publish(Grant grant, GrantState state, String reason) {
        vertx.eventBus().publish(TRANSITIONS, new JsonObject().put("grant", grant.id().toString())
                .put("request", grant.requestId().toString()).put("state", state.name()).put("reason", reason));
    }
}
