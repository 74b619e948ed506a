package dev.portcullis.gateway.http;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Verdict;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.HttpCredentialSource;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.Target;
import dev.portcullis.sessions.GrantClosingHook;
import dev.portcullis.sessions.GrantCut;
import dev.portcullis.sessions.SessionsExhausted;
import dev.portcullis.store.Grants;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Sessions;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * This node's HTTP sessions, one per grant: opened by the grant's first exchange here (credential fetched, row
 * and {@code session.started} written under the grant's row lock, which re-counts its sessions), ended when the
 * grant closes — window end, revoke — or the broker stops. A session is not ended for idleness: every new session
 * counts against the grant's {@code maxSessions}, and a vendor pausing for lunch should not use one up.
 */
final class HttpSessions {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSessions.class);

    /** A session could not be opened; answered to the vendor and already ledgered. */
    static final class NotOpened extends RuntimeException {
        final Refusal refusal;

        NotOpened(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }

    private final Vertx vertx;
    private final Transactions transactions;
    private final GrantVerifier verifier;
    private final HttpCredentialSource credentials;
    private final Path recordings;
    private final Executor recorder;
    private final String node;
    private final ProxyTraffic traffic;
    private final Map<UUID, Future<HttpSession>> byGrant = new ConcurrentHashMap<>();
    private final Map<UUID, HttpSession> byId = new ConcurrentHashMap<>();

    HttpSessions(Vertx vertx, Transactions transactions, GrantVerifier verifier, HttpCredentialSource credentials, Path recordings,
                 Executor recorder, String node, ProxyTraffic traffic) {
        this.vertx = vertx;
        this.transactions = transactions;
        this.verifier = verifier;
        this.credentials = credentials;
        this.recordings = recordings;
        this.recorder = recorder;
        this.node = node;
        this.traffic = traffic;
    }

    /** How often queued recording lines are handed to the recorder thread, which also publishes them to live viewers. */
    static final long FLUSH_MILLIS = 20;
    /** How long a session's end waits for its cut exchanges to record their lines (a WebSocket's close takes up to 1 s). */
    static final long CUT_RECORDED_SECONDS = 2;

    /** Starts the periodic hand-over of recording lines; answers the timer id. */
    long startFlushing() {
        return vertx.setPeriodic(FLUSH_MILLIS, t -> byId.values().forEach(s -> s.log.flush()));
    }

    Path recording(UUID sessionId) {
        return recordings.resolve(sessionId + ".jsonl");
    }

    int live() {
        return byId.size();
    }

    /** The grant's live session on this node, opened on first use. */
    Future<HttpSession> session(Grant grant, Target target, Principal executor, Action action) {
        Future<HttpSession> known = byGrant.get(grant.id());
        if (known != null && !known.failed()) {
            return known.succeeded() ? Future.succeededFuture(known.result()) : known;
        }
        Future<HttpSession>[] opened = new Future[1];
        Future<HttpSession> winner = byGrant.compute(grant.id(), (id, current) -> {
            if (current != null && !current.failed()) {
                return current;
            }
            opened[0] = open(grant, target, executor, action);
            return opened[0];
        });
        if (opened[0] != null) {
            opened[0].onFailure(failure -> byGrant.remove(grant.id(), opened[0]));
        }
        return winner;
    }

    private Future<HttpSession> open(Grant grant, Target target, Principal executor, Action action) {
        Upstream upstream;
        try {
            upstream = Upstream.of(target);
        } catch (IllegalArgumentException e) {
            return refuse(new Refusal(502, "target_misconfigured", e.getMessage()), executor, target, action);
        }
        // Fail closed: without the target's credential there is no session.
        return credentials.credential(target, grant)
                .recover(failure -> {
                    CredentialUnavailable unavailable = failure instanceof CredentialUnavailable c ? c
                            : new CredentialUnavailable("credential_unavailable", "the credential source failed");
                    LOG.warn("no credential for grant {} on {}: {} ({})", grant.id(), target.name(), unavailable.code(), unavailable.getMessage());
                    return refuse(new Refusal(503, unavailable.code(), "the target's credential is unavailable: " + unavailable.getMessage()),
                            executor, target, action);
                })
                .compose(credential -> transactions.run(tx -> Grants.lock(tx.sql(), grant.id())
                                .compose(locked -> Sessions.countForGrant(tx.sql(), grant.id()))
                                .compose(used -> {
                                    if (used >= grant.maxSessions()) {
                                        return Future.failedFuture(new SessionsExhausted(used, grant.maxSessions()));
                                    }
                                    return Sessions.open(tx.sql(), grant.id(), grant.requestDigest(), "http", node, tx.now())
                                            .compose(id -> Sessions.credential(tx.sql(), id, credential.reference()
                                                    + (credential.leaseId() == null ? "" : " lease " + credential.leaseId())).map(id))
                                            .compose(id -> {
                                        Map<String, Object> payload = new LinkedHashMap<>();
                                        payload.put("protocol", "http");
                                        payload.put("grant", grant.id().toString());
                                        payload.put("requestDigest", grant.requestDigest());
                                        payload.put("target", target.name());
                                        payload.put("node", node);
                                        payload.put("credential", credential.reference());
                                        if (credential.leaseId() != null) {
                                            payload.put("leaseId", credential.leaseId());
                                        }
                                        payload.put("recording", id + ".jsonl");
                                        return tx.record(new LedgerEvent("session.started", executor.name(), "session:" + id, payload)).map(id);
                                    });
                                }))
                        .recover(failure -> {
                            if (failure instanceof SessionsExhausted e) {
                                Verdict.Refused refused = new Verdict.Refused(RefusalReason.SESSIONS_EXHAUSTED,
                                        e.used() + " of " + e.max() + " used", grant.id());
                                return verifier.recordRefusal(new GrantVerifier.Attempt(executor, target.name(), action, grant.id(), true), refused)
                                        .transform(done -> Future.failedFuture(new NotOpened(new Refusal(403, refused.reason().code(), refused.message()))));
                            }
                            return Future.failedFuture(failure);
                        })
                        .map(id -> {
                            HttpSession session = new HttpSession(id, grant, target, executor, credential,
                                    new ExchangeLog(recording(id), recorder, live(id)), upstream);
                            byId.put(id, session);
                            armWindowEnd(session);
                            publish(session, "LIVE", null);
                            return session;
                        }));
    }

    private <T> Future<T> refuse(Refusal refusal, Principal executor, Target target, Action action) {
        String method = action instanceof Action.HttpCall call ? call.method() : null;
        String path = action instanceof Action.HttpCall call ? call.path() : null;
        return refusal.record(transactions, executor.name(), target.name(), method, path, null)
                .transform(done -> Future.failedFuture(new NotOpened(refusal)));
    }

    // Every session cuts itself at its window's end, so a node that lost its database still cuts on time.
    private void armWindowEnd(HttpSession session) {
        long delay = Math.max(1, Duration.between(Instant.now(), session.grant.window().notAfter()).toMillis());
        session.windowTimer = vertx.setTimer(delay,
                t -> end(session, GrantCut.WINDOW_CLOSED.endReason(), "broker", GrantCut.WINDOW_CLOSED.message()));
    }

    /** Cuts everything in flight at once, then seals the recording and ends the row with its digest. */
    Future<Void> end(HttpSession session, String reason, String actor, String message) {
        Future<Void> recorded = session.cut(message);
        if (recorded == null) {
            return Future.succeededFuture();
        }
        vertx.cancelTimer(session.windowTimer);
        byGrant.remove(session.grant.id());
        publish(session, "CUT", reason);
        // The cut exchanges' lines go in before the recording is sealed; a bound, so that one stuck exchange
        // cannot hold the session's end (its line is then missing, and the log says so).
        return recorded.timeout(CUT_RECORDED_SECONDS, TimeUnit.SECONDS).recover(late -> {
                    LOG.warn("HTTP session {}: an exchange cut did not record its line within {} s", session.id, CUT_RECORDED_SECONDS);
                    return Future.succeededFuture();
                })
                .compose(all -> session.log.finish()).recover(failure -> {
                    LOG.error("recording of HTTP session {} failed: {}", session.id, failure.getMessage());
                    return Future.succeededFuture(new ExchangeLog.Summary(null, 0, 0));
                })
                .compose(summary -> transactions.run(tx -> Sessions.end(tx.sql(), session.id, reason, tx.now()).compose(ended -> {
                    Map<String, Object> payload = new LinkedHashMap<>();
                    payload.put("reason", reason);
                    payload.put("grant", session.grant.id().toString());
                    payload.put("protocol", "http");
                    payload.put("recordingSha256", summary.sha256());
                    payload.put("recordingBytes", summary.bytes());
                    payload.put("exchanges", session.exchanges.get());
                    payload.put("bytesIn", session.bytesIn.get());
                    payload.put("bytesOut", session.bytesOut.get());
                    return ended ? tx.record(new LedgerEvent("session.ended", actor, "session:" + session.id, payload)).mapEmpty()
                            : Future.<Void>succeededFuture();
                })))
                .onComplete(done -> {
                    byId.remove(session.id);
                    publish(session, "ENDED", reason);
                });
    }

    /** Counts and records one finished exchange. */
    void exchanged(HttpSession session, String line, long in, long out) {
        session.exchanges.incrementAndGet();
        session.bytesIn.addAndGet(in);
        session.bytesOut.addAndGet(out);
        traffic.in(in);
        traffic.out(out);
        session.log.append(line);
    }

    /** Publishes each line as the recorder writes it, with its index in the file: a viewer skips what the file gave. */
    private ExchangeLog.LiveLine live(UUID id) {
        String address = HttpGateway.liveAddress(id);
        return (index, line) -> vertx.eventBus().publish(address, line,
                new DeliveryOptions().addHeader(HttpGateway.LINE_HEADER, Long.toString(index)));
    }

    /** For a live viewer: the line count of the session's recording once everything before is on disk. */
    Future<OptionalLong> flushRecording(UUID sessionId) {
        HttpSession session = byId.get(sessionId);
        if (session == null) {
            return Future.succeededFuture(OptionalLong.empty());
        }
        return session.log.flushed().map(OptionalLong::of);
    }

    GrantClosingHook closingHook() {
        return new GrantClosingHook() {
            @Override
            public String name() {
                return "http-gateway";
            }

            @Override
            public Future<Void> close(Grant grant, String reason) {
                GrantCut cut = GrantCut.of(reason);
                List<Future<Void>> ends = new ArrayList<>();
                for (HttpSession session : byId.values()) {
                    if (session.grant.id().equals(grant.id())) {
                        ends.add(end(session, cut.endReason(), "broker", cut.message()));
                    }
                }
                return Future.all(ends).mapEmpty();
            }
        };
    }

    Future<Boolean> terminate(UUID sessionId, String actor) {
        HttpSession session = byId.get(sessionId);
        if (session == null) {
            return Future.succeededFuture(false);
        }
        return end(session, "terminated", actor, "terminated by " + actor).map(true);
    }

    Future<Void> endAll() {
        List<Future<Void>> ends = new ArrayList<>();
        for (HttpSession session : byId.values()) {
            ends.add(end(session, "terminated", "broker", "the broker is shutting down"));
        }
        return Future.join(ends).mapEmpty();
    }

    private void publish(HttpSession session, String state, String reason) {
        vertx.eventBus().publish(HttpGateway.SESSIONS_ADDRESS, new JsonObject().put("session", session.id.toString())
                .put("grant", session.grant.id().toString()).put("protocol", "http").put("state", state).put("reason", reason)
                .put("target", session.target.name()).put("at", Instant.now().toString()));
    }
}
