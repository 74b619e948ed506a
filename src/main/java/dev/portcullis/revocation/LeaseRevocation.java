package dev.portcullis.revocation;

import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.TargetCredential;
import dev.portcullis.store.Grants;
import dev.portcullis.store.Leases;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Targets;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Revokes leases and confirms it. A lease is claimed (ACTIVE/FAILED → REVOKING, held by this node), revoked with
 * {@code sys/leases/revoke} and then looked up: only {@code sys/leases/lookup} answering "invalid lease" makes it
 * REVOKED. A revoke that answered but left the lease alive is tried again after a short pause; a lease that still
 * cannot be confirmed becomes FAILED with the error and a later attempt time, and stays in every pass until it
 * is confirmed. Each state change is a ledger entry naming the lease (never the credential).
 */
public final class LeaseRevocation {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRevocation.class);

    /** Pauses between revoke attempts within one pass, when the lease outlived the previous revoke. */
    static final List<Duration> CONFIRM_PAUSES = List.of(Duration.ofMillis(200), Duration.ofSeconds(1));
    /** How long a claim keeps other nodes off a lease: longer than one pass over it can take. */
    static final Duration CLAIM = Duration.ofMinutes(2);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    static final int BATCH = 32;

    private final Vertx vertx;
    private final Transactions transactions;
    private final CredentialBroker credentials;
    private final RoleConnections connections;
    private final RevocationMeter meter;
    private final String node;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    public LeaseRevocation(Vertx vertx, Transactions transactions, CredentialBroker credentials, RevocationMeter meter, String node) {
        this.vertx = vertx;
        this.transactions = transactions;
        this.credentials = credentials;
        this.connections = new RoleConnections(vertx, credentials);
        this.meter = meter;
        this.node = node;
    }

    /**
     * Revokes every unfinished lease of a closing grant; succeeds only when all of them are confirmed revoked,
     * and otherwise fails naming the leases that are not.
     */
    public Future<Void> revokeGrant(UUID grantId) {
        return claim(grantId).compose(this::settleAll)
                .compose(v -> Leases.unfinishedForGrant(transactions.pool(), grantId))
                .compose(left -> {
                    if (left.isEmpty()) {
                        return Future.succeededFuture();
                    }
                    String named = left.stream().map(l -> l.leaseId() + " (" + l.state()
                            + (l.lastError() == null ? "" : ": " + l.lastError()) + ")").collect(Collectors.joining(", "));
                    return Future.failedFuture(new IllegalStateException("lease revocation not confirmed: " + named));
                });
    }

    /** One reconciler pass: settles every lease of a closing or closed grant that is due; answers how many were tried. */
    public Future<Integer> reconcile() {
        return claim(null).compose(claimed -> settleAll(claimed).map(claimed.size()))
                .compose(n -> Leases.pending(transactions.pool()).map(pending -> {
                    meter.pending(pending);
                    return n;
                }));
    }

    private Future<List<Leases.Lease>> claim(UUID grantId) {
        Instant now = transactions.now();
        return transactions.run(tx -> Leases.claim(tx.sql(), grantId, node, tx.now(), tx.now().plus(CLAIM), BATCH)
                .compose(claimed -> {
                    Future<Void> chain = Future.succeededFuture();
                    for (Leases.Lease lease : claimed) {
                        if ("ACTIVE".equals(lease.previousState())) {
                            chain = chain.compose(v -> tx.record(new LedgerEvent("lease.revoking", "broker", "lease:" + lease.leaseId(),
                                    payload(lease, Map.of()))).mapEmpty());
                        }
                    }
                    return chain.map(claimed);
                }))
                .map(claimed -> claimed.stream().filter(l -> inFlight.add(l.leaseId())).toList())
                .onFailure(failure -> LOG.warn("cannot claim leases for revocation at {}: {}", now, failure.getMessage()));
    }

    private Future<Void> settleAll(List<Leases.Lease> leases) {
        List<Future<Void>> all = new ArrayList<>();
        for (Leases.Lease lease : leases) {
            all.add(settle(lease, 0).eventually(() -> {
                inFlight.remove(lease.leaseId());
                return Future.succeededFuture();
            }));
        }
        return Future.join(all).<Void>mapEmpty().recover(failure -> Future.succeededFuture());
    }

    private Future<Void> settle(Leases.Lease lease, int retry) {
        return terminateBlock(lease).compose(terminate -> (terminate == null ? Future.<Long>succeededFuture(null)
                        : connections.oid(terminate, lease.username()))
                .compose(oid -> credentials.revoke(lease.leaseId())
                        .compose(v -> credentials.leaseAlive(lease.leaseId()))
                        .compose(alive -> {
                            if (!alive) {
                                Future<Integer> ended = terminate == null ? Future.succeededFuture(0)
                                        : connections.end(terminate, lease.username(), oid);
                                return ended.compose(n -> confirmed(lease, n));
                            }
                            if (retry < CONFIRM_PAUSES.size()) {
                                LOG.warn("lease {} is still alive after Vault accepted its revocation; revoking again", lease.leaseId());
                                return pause(CONFIRM_PAUSES.get(retry)).compose(v -> settle(lease, retry + 1));
                            }
                            return Future.failedFuture(new CredentialUnavailable("revoke_unconfirmed",
                                    "Vault accepted the revocation but still knows the lease"));
                        })))
                .recover(failure -> failed(lease, failure));
    }

    /** The target's instructions for ending a database role's connections, or null when there are none. */
    private Future<TargetCredential.Terminate> terminateBlock(Leases.Lease lease) {
        if (!"database".equals(lease.kind()) || lease.username() == null) {
            return Future.succeededFuture(null);
        }
        return Targets.byId(transactions.pool(), lease.targetId()).map(target -> target
                .flatMap(t -> TargetCredential.parse(t.credential()).database())
                .flatMap(TargetCredential.Database::terminate)
                .orElse(null));
    }

    private Future<Void> confirmed(Leases.Lease lease, int connectionsEnded) {
        return transactions.run(tx -> Leases.revoked(tx.sql(), lease.leaseId(), tx.now()).compose(moved -> {
            if (!moved) {
                return Future.succeededFuture(Duration.ZERO);
            }
            return Grants.byId(tx.sql(), lease.grantId()).compose(grant -> {
                Duration lag = grant.map(g -> Duration.between(g.window().notAfter(), tx.now())).filter(d -> !d.isNegative())
                        .orElse(Duration.ZERO);
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("confirmedBy", "sys/leases/lookup");
                extra.put("attempts", lease.attempts());
                extra.put("connectionsEnded", connectionsEnded);
                extra.put("lagMillis", lag.toMillis());
                return tx.record(new LedgerEvent("lease.revoked", "broker", "lease:" + lease.leaseId(), payload(lease, extra))).map(lag);
            });
        })).map(lag -> {
            LOG.info("lease {} of grant {} revoked and confirmed", lease.leaseId(), lease.grantId());
            meter.confirmed(lag);
            return null;
        });
    }

    private Future<Void> failed(Leases.Lease lease, Throwable failure) {
        String code = failure instanceof CredentialUnavailable u ? u.code() : "error";
        String message = failure instanceof CredentialUnavailable ? failure.getMessage() : failure.getClass().getSimpleName();
        Duration backoff = backoff(lease.attempts());
        LOG.error("lease {} of grant {} not revoked ({}: {}); next attempt in {}s", lease.leaseId(), lease.grantId(), code, message,
                backoff.toSeconds());
        return transactions.run(tx -> Leases.failed(tx.sql(), lease.leaseId(), code + ": " + message, tx.now().plus(backoff))
                .compose(moved -> moved ? tx.record(new LedgerEvent("lease.revocation_failed", "broker", "lease:" + lease.leaseId(),
                        payload(lease, Map.of("code", code, "message", message, "attempts", lease.attempts(),
                                "nextAttemptSeconds", backoff.toSeconds())))).mapEmpty() : Future.succeededFuture()))
                .<Void>mapEmpty()
                .recover(again -> {
                    LOG.error("lease {}: the failed revocation could not be recorded: {}", lease.leaseId(), again.getMessage());
                    return Future.succeededFuture();
                });
    }

    static Duration backoff(int attempts) {
        long seconds = 1L << Math.min(Math.max(attempts, 1), 9);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private Future<Void> pause(Duration d) {
        Promise<Void> done = Promise.promise();
        vertx.setTimer(Math.max(1, d.toMillis()), t -> done.complete());
        return done.future();
    }

    private static Map<String, Object> payload(Leases.Lease lease, Map<String, Object> extra) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("lease", lease.leaseId());
        payload.put("grant", lease.grantId().toString());
        payload.put("kind", lease.kind());
        payload.put("issuer", lease.issuer());
        if (lease.sessionId() != null) {
            payload.put("session", lease.sessionId().toString());
        }
        payload.putAll(extra);
        return payload;
    }
}
