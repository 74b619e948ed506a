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

import java.util.Map;

/**
 * Ends a revoked database role's open connections. Vault's revocation drops the role, which stops new logins
 * but leaves sessions already logged in running; the target's {@code credential.database.terminate} block names
 * an administrative login (kept in KV v2) allowed to call {@code pg_terminate_backend} for them.
 */
final class RoleConnections {

    private final Vertx vertx;
    private final CredentialBroker credentials;

    RoleConnections(Vertx vertx, CredentialBroker credentials) {
        this.vertx = vertx;
        this.credentials = credentials;
    }

    /** How many connections were ended; 0 when the target names no terminate block. */
    Future<Integer> end(TargetCredential.Database database, String role) {
        if (database.terminate().isEmpty() || role == null) {
            return Future.succeededFuture(0);
        }
        TargetCredential.Terminate t = database.terminate().get();
        return credentials.brokerSecret(t.kvMount(), t.kvPath()).compose(login -> terminate(t, login, role));
    }

    private Future<Integer> terminate(TargetCredential.Terminate t, Map<String, String> login, String role) {
        String user = login.get("username");
        if (user == null) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured",
                    "the KV secret " + t.kvMount() + "/" + t.kvPath() + " has no username"));
        }
        PgConnectOptions options = new PgConnectOptions().setHost(t.host()).setPort(t.port()).setDatabase(t.database())
                .setUser(user).setPassword(login.getOrDefault("password", ""));
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(5)).connectingTo(options).using(vertx).build();
        return pool.preparedQuery("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usename = $1")
                .execute(Tuple.of(role))
                .map(rows -> rows.iterator().next().getLong("n").intValue())
                .recover(failure -> Future.failedFuture(new CredentialUnavailable("database_unreachable",
                        "cannot end the connections of " + role + " on " + t.host() + ":" + t.port() + ": " + failure.getMessage())))
                .eventually(pool::close);
    }
}
