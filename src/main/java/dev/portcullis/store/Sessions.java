package dev.portcullis.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/** Session rows: what the core needs to enforce a grant's session count. The gateways add the rest. */
public final class Sessions {

    private Sessions() {
    }

    /** How many sessions were ever opened on the grant (max sessions bounds the total, not concurrency). */
    public static Future<Integer> countForGrant(SqlClient sql, UUID grantId) {
        return sql.preparedQuery("SELECT count(*) AS n FROM sessions WHERE grant_id = $1").execute(Tuple.of(grantId))
                .map(rows -> rows.iterator().next().getInteger("n"));
    }

    public static Future<Integer> liveForGrant(SqlClient sql, UUID grantId) {
        return sql.preparedQuery("SELECT count(*) AS n FROM sessions WHERE grant_id = $1 AND state <> 'ENDED'")
                .execute(Tuple.of(grantId))
                .map(rows -> rows.iterator().next().getInteger("n"));
    }

    public static Future<UUID> open(SqlClient sql, UUID grantId, String protocol, String node, Instant now) {
        UUID id = UUID.randomUUID();
        return sql.preparedQuery("INSERT INTO sessions (id, grant_id, protocol, state, node, started_at) VALUES ($1, $2, $3, 'LIVE', $4, $5)")
                .execute(Tuple.of(id, grantId, protocol, node, now.atOffset(ZoneOffset.UTC)))
                .map(done -> id);
    }

    public static Future<Boolean> end(SqlClient sql, UUID sessionId, String reason, Instant now) {
        return sql.preparedQuery("UPDATE sessions SET state = 'ENDED', end_reason = $2, ended_at = $3 WHERE id = $1 AND state <> 'ENDED'")
                .execute(Tuple.of(sessionId, reason, now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }
}
