package dev.portcullis.revocation;

import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.TargetCredential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.util.function.Function;

/**
 * Ends a revoked database role's open connections. Vault's revocation drops the role, which stops new logins
 * but leaves sessions already logged in running; the target's {@code credential.database.terminate} block names
 * an administrative login (kept in KV v2) allowed to call {@code pg_terminate_backend} for them. Once the role is
 * dropped {@code pg_stat_activity} no longer shows its name, so the role's oid is read before the revocation and
 * its sessions are found by oid afterwards.
 */
final class RoleConnections {

    private final Vertx vertx;
    private final CredentialBroker credentials;

    RoleConnections(Vertx vertx, CredentialBroker credentials) {
        this.vertx = vertx;
        this.credentials = credentials;
    }

    /** The role's oid while it still exists; null if it does not (or the database cannot be asked: the end step will say). */
    Future<Long> oid(TargetCredential.Terminate t, String role) {
        return withPool(t, pool -> pool.preparedQuery("SELECT oid::bigint AS oid FROM pg_roles WHERE rolname = $1").execute(Tuple.of(role))
                .map(rows -> rows.size() == 0 ? (Long) null : rows.iterator().next().getLong("oid")))
                .recover(failure -> Future.succeededFuture(null));
    }

    /**
     * Ends the sessions of the role with {@code oid}; without an oid (the role was already gone when asked), the
     * sessions of every role that no longer exists — none of them should be running. Answers how many were ended.
     */
    Future<Integer> end(TargetCredential.Terminate t, String role, Long oid) {
        String sql = oid != null
                ? "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usesysid = $1::bigint::oid"
                : "SELECT count(pg_terminate_backend(a.pid)) AS n FROM pg_stat_activity a WHERE a.backend_type = 'client backend' "
                + "AND a.usesysid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = a.usesysid) AND $1::bigint IS NULL";
        return withPool(t, pool -> pool.preparedQuery(sql).execute(Tuple.of(oid))
                .map(rows -> rows.iterator().next().getLong("n").intValue()))
                .recover(failure -> Future.failedFuture(failure instanceof CredentialUnavailable ? failure
                        : new CredentialUnavailable("database_unreachable",
                        "cannot end the connections of " + role + " on " + t.host() + ":" + t.port() + ": " + failure.getMessage())));
    }

    private <T> Future<T> withPool(TargetCredential.Terminate t, Function<Pool, Future<T>> work) {
        return credentials.brokerSecret(t.kvMount(), t.kvPath()).compose(login -> {
            String user = login.get("username");
            if (user == null) {
                return Future.failedFuture(new CredentialUnavailable("credential_misconfigured",
                        "the KV secret " + t.kvMount() + "/" + t.kvPath() + " has no username"));
            }
            PgConnectOptions options = new PgConnectOptions().setHost(t.host()).setPort(t.port()).setDatabase(t.database())
                    .setUser(user).setPassword(login.getOrDefault("password", ""));
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(5)).connectingTo(options).using(vertx).build();
            return work.apply(pool).eventually(pool::close);
        });
    }
}
