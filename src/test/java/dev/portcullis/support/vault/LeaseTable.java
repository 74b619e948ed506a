package dev.portcullis.support.vault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live leases. A lease past its TTL is revoked by the server, as Vault's expiration manager
 * does (a failed revocation is retried); revoking runs the role's revocation statements and only
 * then forgets the lease, so {@code sys/leases/lookup} answers until the database role is gone.
 */
final class LeaseTable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseTable.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Set<String> revokedIds = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<String>> waiters = new ConcurrentHashMap<>();
    private final Timers timers;
    private final PostgresRoles database;

    LeaseTable(Timers timers, PostgresRoles database) {
        this.timers = timers;
        this.database = database;
    }

    void add(Lease lease) {
        leases.put(lease.id, lease);
        timers.at(lease.expireTime(), () -> expireIfDue(lease.id));
    }

    Optional<Lease> find(String id) {
        return Optional.ofNullable(id == null ? null : leases.get(id));
    }

    List<LeaseView> views() {
        List<LeaseView> out = new ArrayList<>();
        leases.values().forEach(l -> out.add(l.view()));
        out.sort(Comparator.comparing(LeaseView::issueTime));
        return out;
    }

    /** Completes with the lease id once the lease is revoked (at once if it already was). */
    CompletableFuture<String> revoked(String id) {
        CompletableFuture<String> f = waiters.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (revokedIds.contains(id)) {
            f.complete(id);
        }
        return f;
    }

    /**
     * Extends the lease to now + {@code increment} (the role's default TTL when absent), never past
     * issue time + the role's maximum; runs the renew statements. Returns whether it was capped.
     */
    boolean renew(Lease lease, Duration increment, Instant now) {
        Duration ttl = increment == null || increment.isZero() ? lease.role.defaultTtl() : increment;
        Instant wanted = now.plus(ttl);
        boolean capped = wanted.isAfter(lease.maxExpire);
        Instant expire = capped ? lease.maxExpire : wanted;
        try {
            database.run(lease.role.renewStatements(), lease.username, null, expire);
        } catch (SQLException e) {
            throw VaultError.upstream("failed to renew lease: " + e.getMessage());
        }
        lease.renewed(expire, now);
        timers.at(expire, () -> expireIfDue(lease.id));
        return capped;
    }

    /** Runs the revocation statements and forgets the lease; a database failure is a 502 and keeps it. */
    void revoke(Lease lease) {
        if (!lease.startRevoking()) {
            return;
        }
        try {
            database.run(lease.role.revocationStatements(), lease.username, null, lease.expireTime());
        } catch (SQLException e) {
            lease.revocationFailed();
            throw VaultError.upstream("failed to revoke lease " + lease.id + ": " + e.getMessage());
        }
        leases.remove(lease.id);
        revokedIds.add(lease.id);
        CompletableFuture<String> waiter = waiters.get(lease.id);
        if (waiter != null) {
            waiter.complete(lease.id);
        }
    }

    /** As Vault revokes a token's leases with it. */
    void revokeAllOf(String tokenId) {
        leases.values().stream().filter(l -> l.tokenId.equals(tokenId)).toList().forEach(this::revokeLater);
    }

    /** Revokes on the worker pool, after the caller has answered; failures are retried. */
    void revokeLater(Lease lease) {
        timers.at(Instant.now(), () -> revokeRetrying(lease));
    }

    private void expireIfDue(String id) {
        Lease lease = leases.get(id);
        if (lease != null && lease.expired(Instant.now())) {
            revokeRetrying(lease);
        }
    }

    private void revokeRetrying(Lease lease) {
        if (!leases.containsKey(lease.id)) {
            return;
        }
        try {
            revoke(lease);
        } catch (VaultError e) {
            LOG.warn("revoking {} failed, retrying in {}: {}", lease.id, RETRY, e.errors);
            timers.at(Instant.now().plus(RETRY), () -> revokeRetrying(lease));
        }
    }
}
