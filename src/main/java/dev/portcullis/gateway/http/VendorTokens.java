package dev.portcullis.gateway.http;

import dev.portcullis.access.Tokens;
import dev.portcullis.domain.Principal;
import dev.portcullis.store.Principals;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens to principals, cached so that a request costs no database round trip. A token is known only by its
 * SHA-256 (as in the database). Entries, unknown tokens included, are reloaded after {@link #MAX_AGE} (the old answer
 * serving while the reload runs): a disabled principal or a revoked token stops working at the gateway within that
 * time (the grant check itself needs no such wait).
 */
final class VendorTokens {

    static final Duration MAX_AGE = Duration.ofSeconds(30);
    /** Bounds memory against a flood of random tokens: past this many entries the cache starts over. */
    static final int MAX_ENTRIES = 100_000;

    /** {@code stale}: the previous answer, served while a reload is under way so that requests do not queue behind it. */
    private record Entry(Future<Optional<Principal>> principal, long loadedAtNanos, Optional<Principal> stale) {
    }

    private final Pool pool;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    VendorTokens(Pool pool) {
        this.pool = pool;
    }

    /** The principal of a {@code Authorization: Bearer <token>} header value; empty if unknown, disabled or malformed. */
    Future<Optional<Principal>> principal(String authorization) {
        if (authorization == null || authorization.length() < 12 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Future.succeededFuture(Optional.empty());
        }
        String hash = Tokens.hash(authorization.substring(7).trim());
        long now = System.nanoTime();
        Entry entry = cache.get(hash);
        if (entry != null && now - entry.loadedAtNanos() < MAX_AGE.toNanos() && !entry.principal().failed()) {
            Future<Optional<Principal>> f = entry.principal();
            // A completed future answers on the context that completed it; hand out a fresh one (see GrantVerifier).
            if (f.succeeded()) {
                return Future.succeededFuture(f.result());
            }
            return entry.stale() != null ? Future.succeededFuture(entry.stale()) : f;
        }
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        Optional<Principal> stale = entry == null ? null
                : entry.principal().succeeded() ? entry.principal().result() : entry.stale();
        Future<Optional<Principal>> loaded = Principals.byTokenHash(pool, hash)
                .map(found -> found.filter(p -> !p.disabled()));
        cache.put(hash, new Entry(loaded, now, stale));
        return stale != null ? Future.succeededFuture(stale) : loaded;
    }
}
