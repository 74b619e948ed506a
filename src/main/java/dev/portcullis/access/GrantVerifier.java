package dev.portcullis.access;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.Target;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.store.Grants;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Sessions;
import dev.portcullis.store.Targets;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proof at the point of execution. For every SSH session start and every HTTP request the gateways ask
 * this class whether an authenticated identity may perform an action on a target now. It re-verifies
 * the grant's signature, the digest of the current request row, the executor, the scope, the window,
 * revocation and the session count, and answers with the grant or a precise refusal.
 *
 * <p>Signature and digest checks cost tens of microseconds, so each grant is checked once when loaded and
 * the result cached per (executor, target). Every change to a grant, its request or its sessions — even
 * one made directly in SQL — fires a PostgreSQL NOTIFY (see V1__core.sql) that drops the cached entry on
 * every node; a cached entry also expires after {@link #MAX_AGE}. Time, scope and state are checked on
 * every call, so a window end takes effect without any invalidation.
 */
public final class GrantVerifier {

    /** Upper bound on how long a cached check may be trusted if a notification were ever lost. */
    public static final Duration MAX_AGE = Duration.ofSeconds(30);
    /**
     * From this age on, a use of a cached entry also reloads it in the background, so that busy pairs never wait for
     * a reload (the HTTP gateway checks every request) while no entry is ever trusted beyond {@link #MAX_AGE}.
     */
    static final Duration REFRESH_AFTER = MAX_AGE.minusSeconds(5);

    /**
     * One attempt. {@code presentedGrant} is set when the client named a grant explicitly; otherwise the
     * identity's grants on the target are searched. {@code newSession} is true at session start, when
     * the session count must still have room; false for requests inside a session.
     */
    public record Attempt(Principal identity, String target, Action action, UUID presentedGrant, boolean newSession) {
    }

    /** A grant as loaded and checked: what only changes when its rows change. */
    record Checked(Grant grant, boolean signatureValid, boolean digestValid, int sessionsUsed) {
    }

    private record Key(UUID executorId, UUID targetId) {
    }

    private record Entry(Future<List<Checked>> grants, Instant loadedAt, java.util.concurrent.atomic.AtomicBoolean refreshing) {
        Entry(Future<List<Checked>> grants, Instant loadedAt) {
            this(grants, loadedAt, new java.util.concurrent.atomic.AtomicBoolean());
        }
    }

    private final Pool pool;
    private final Transactions transactions;
    private final Signatures signatures;
    private final Clock clock;
    private final Map<Key, Entry> cache = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public GrantVerifier(Pool pool, Transactions transactions, Signatures signatures, Clock clock) {
        this.pool = pool;
        this.transactions = transactions;
        this.signatures = signatures;
        this.clock = clock;
    }

    /** Verifies and records every refusal in the ledger before answering. */
    public Future<Verdict> verify(Attempt attempt) {
        return evaluate(attempt).compose(verdict -> {
            if (verdict instanceof Verdict.Refused refused) {
                return recordRefusal(attempt, refused).map(verdict);
            }
            return Future.succeededFuture(verdict);
        });
    }

    /** Verifies without recording anything: for what-if checks. */
    public Future<Verdict> evaluate(Attempt attempt) {
        Instant now = clock.instant();
        if (attempt.identity() == null || attempt.identity().disabled()) {
            return Future.succeededFuture(new Verdict.Refused(RefusalReason.UNKNOWN_IDENTITY, null, null));
        }
        return target(attempt.target()).compose(found -> {
            if (found.isEmpty()) {
                return Future.succeededFuture(new Verdict.Refused(RefusalReason.UNKNOWN_TARGET, attempt.target(), null));
            }
            Target target = found.get();
            if (attempt.presentedGrant() != null) {
                return presented(attempt, target, now);
            }
            return candidates(new Key(attempt.identity().id(), target.id()), now)
                    .map(checked -> decide(checked, attempt, target, now));
        }).recover(failure -> Future.succeededFuture(
                new Verdict.Refused(RefusalReason.UNAVAILABLE, "grant store unreachable", null)));
    }

    private Future<Verdict> presented(Attempt attempt, Target target, Instant now) {
        return Grants.byId(pool, attempt.presentedGrant()).compose(grant -> {
            if (grant.isEmpty()) {
                return Future.succeededFuture(new Verdict.Refused(RefusalReason.NO_GRANT, "no such grant", null));
            }
            Grant g = grant.get();
            if (!g.executorId().equals(attempt.identity().id())) {
                return Future.succeededFuture(new Verdict.Refused(RefusalReason.WRONG_EXECUTOR,
                        "presented by " + attempt.identity().name(), g.id()));
            }
            if (!g.targetId().equals(target.id())) {
                return Future.succeededFuture(new Verdict.Refused(RefusalReason.WRONG_TARGET,
                        "presented for " + target.name(), g.id()));
            }
            return candidates(new Key(g.executorId(), g.targetId()), now).map(all -> decide(
                    all.stream().filter(c -> c.grant().id().equals(g.id())).toList(), attempt, target, now));
        });
    }

    private Verdict decide(List<Checked> checked, Attempt attempt, Target target, Instant now) {
        if (checked.isEmpty()) {
            return new Verdict.Refused(RefusalReason.NO_GRANT,
                    attempt.identity().name() + " has no grant on " + target.name(), null);
        }
        Verdict.Refused first = null;
        for (Checked c : checked) {
            Verdict verdict = check(c, attempt, target, now);
            if (verdict instanceof Verdict.Allowed) {
                return verdict;
            }
            if (first == null) {
                first = (Verdict.Refused) verdict;
            }
        }
        return first;
    }

    // The order of checks decides which reason a client sees when several apply: the most fundamental first.
    private Verdict check(Checked c, Attempt attempt, Target target, Instant now) {
        Grant g = c.grant();
        if (!c.signatureValid()) {
            return new Verdict.Refused(RefusalReason.BAD_SIGNATURE, null, g.id());
        }
        if (!c.digestValid()) {
            return new Verdict.Refused(RefusalReason.DIGEST_MISMATCH, null, g.id());
        }
        if (!g.executorId().equals(attempt.identity().id())) {
            return new Verdict.Refused(RefusalReason.WRONG_EXECUTOR, null, g.id());
        }
        if (!g.targetId().equals(target.id())) {
            return new Verdict.Refused(RefusalReason.WRONG_TARGET, null, g.id());
        }
        if (!g.state().isOpen()) {
            return "revoked".equals(g.closeReason())
                    ? new Verdict.Refused(RefusalReason.REVOKED, null, g.id())
                    : new Verdict.Refused(RefusalReason.WINDOW_CLOSED, "ended " + g.window().notAfter(), g.id());
        }
        if (now.isBefore(g.window().notBefore())) {
            return new Verdict.Refused(RefusalReason.NOT_YET_ACTIVE, "opens " + g.window().notBefore(), g.id());
        }
        if (!now.isBefore(g.window().notAfter())) {
            return new Verdict.Refused(RefusalReason.WINDOW_CLOSED, "ended " + g.window().notAfter(), g.id());
        }
        if (!g.scope().permits(attempt.action())) {
            return new Verdict.Refused(RefusalReason.OUT_OF_SCOPE, attempt.action().describe(), g.id());
        }
        if (attempt.newSession() && c.sessionsUsed() >= g.maxSessions()) {
            return new Verdict.Refused(RefusalReason.SESSIONS_EXHAUSTED,
                    c.sessionsUsed() + " of " + g.maxSessions() + " used", g.id());
        }
        return new Verdict.Allowed(g, target);
    }

    private Future<List<Checked>> candidates(Key key, Instant now) {
        Entry entry = cache.get(key);
        if (entry != null && entry.loadedAt().plus(MAX_AGE).isAfter(now) && !entry.grants().failed()) {
            if (entry.grants().succeeded() && !entry.loadedAt().plus(REFRESH_AFTER).isAfter(now)
                    && entry.refreshing().compareAndSet(false, true)) {
                // Replaces the entry only if it is still the one in the cache: an invalidation meanwhile wins.
                load(key).onSuccess(list -> cache.replace(key, entry, new Entry(Future.succeededFuture(list), now)));
            }
            // A completed Vert.x future answers its listeners on the context that completed it; hand out a
            // fresh one so callers on other threads (MINA's, other event loops) need no hop to that loop.
            return entry.grants().succeeded() ? Future.succeededFuture(entry.grants().result()) : entry.grants();
        }
        Entry fresh = new Entry(load(key), now);
        cache.put(key, fresh);
        return fresh.grants();
    }

    private Future<List<Checked>> load(Key key) {
        return Grants.forExecutorAndTarget(pool, key.executorId(), key.targetId()).compose(grants -> {
            List<Future<Checked>> checks = new ArrayList<>();
            for (Grant g : grants) {
                checks.add(check(g));
            }
            return Future.all(checks).map(all -> {
                List<Checked> list = new ArrayList<>();
                for (int i = 0; i < checks.size(); i++) {
                    list.add(all.resultAt(i));
                }
                return list;
            });
        });
    }

    private Future<Checked> check(Grant g) {
        boolean signed = signatures.verify(Statements.grant(g), g.keyId(), g.signature());
        Future<Optional<AccessRequest>> request = Requests.byId(pool, g.requestId());
        Future<Integer> sessions = Sessions.countForGrant(pool, g.id());
        return Future.all(request, sessions).map(done -> {
            Optional<AccessRequest> r = request.result();
            boolean digest = r.isPresent() && g.requestDigest().equals(r.get().digest())
                    && g.requestDigest().equals(Statements.digest(r.get()));
            return new Checked(g, signed, digest, sessions.result());
        });
    }

    private Future<Optional<Target>> target(String name) {
        Target known = targets.get(name);
        if (known != null) {
            return Future.succeededFuture(Optional.of(known));
        }
        return Targets.byName(pool, name).onSuccess(t -> t.ifPresent(found -> targets.put(name, found)));
    }

    /** Ledgers a refusal as {@code access.refused}; for refusals a gateway decides itself (e.g. the session count at open). */
    public Future<Void> recordRefusal(Attempt attempt, Verdict.Refused refused) {
        return recordRefusal(attempt, refused.reason().code(), refused.message(), refused.grantId());
    }

    /**
     * As above, for a refusal decided after the grant verified — the target lacks what was asked for, the credential
     * source failed — whose code is not a {@link RefusalReason} (e.g. {@code vault_sealed}). {@code message} must hold no secret.
     */
    public Future<Void> recordRefusal(Attempt attempt, String code, String message, UUID grantId) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("reason", code);
        payload.put("message", message);
        payload.put("target", attempt.target());
        payload.put("action", attempt.action().describe());
        if (grantId != null) {
            payload.put("grant", grantId.toString());
        }
        String subject = grantId != null ? "grant:" + grantId : "target:" + attempt.target();
        String actor = attempt.identity() == null ? "unknown" : attempt.identity().name();
        return transactions.record(new LedgerEvent("access.refused", actor, subject, payload)).mapEmpty();
    }

    public void invalidate(UUID executorId, UUID targetId) {
        cache.remove(new Key(executorId, targetId));
    }

    public void invalidateAll() {
        cache.clear();
    }

    /** Handles a {@code portcullis_grant_changed} payload {@code "<table>:<grant>:<executor>:<target>"}. */
    public void onGrantChanged(String payload) {
        String[] parts = payload.split(":");
        try {
            invalidate(UUID.fromString(parts[2]), UUID.fromString(parts[3]));
        } catch (RuntimeException malformed) {
            invalidateAll(); // when in doubt, forget everything: the next check reloads from the database
        }
    }
}
