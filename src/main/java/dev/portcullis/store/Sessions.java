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

    /** The ids of every session ever opened on the grant, oldest first. */
    public static Future<java.util.List<UUID>> idsForGrant(SqlClient sql, UUID grantId) {
        return sql.preparedQuery("SELECT id FROM sessions WHERE grant_id = $1 ORDER BY started_at").execute(Tuple.of(grantId))
                .map(rows -> {
                    java.util.List<UUID> ids = new java.util.ArrayList<>();
                    rows.forEach(r -> ids.add(r.getUUID("id")));
                    return ids;
                });
    }

    /** A new LIVE session on the grant, naming the digest of the request the grant approved. */
    public static Future<UUID> open(SqlClient sql, UUID grantId, String requestDigest, String protocol, String node, Instant now) {
        UUID id = UUID.randomUUID();
        return sql.preparedQuery("INSERT INTO sessions (id, grant_id, request_digest, protocol, state, node, started_at) "
                        + "VALUES ($1, $2, $3, $4, 'LIVE', $5, $6)")
                .execute(Tuple.of(id, grantId, requestDigest, protocol, node, now.atOffset(ZoneOffset.UTC)))
                .map(done -> id);
    }

    /** Names the credential the session was issued: a reference (issuer, serial, secret path, lease), never a secret. */
    public static Future<Void> credential(SqlClient sql, UUID sessionId, String reference) {
        return sql.preparedQuery("UPDATE sessions SET credential = $2 WHERE id = $1")
                .execute(Tuple.of(sessionId, reference)).mapEmpty();
    }

    public static Future<Boolean> end(SqlClient sql, UUID sessionId, String reason, Instant now) {
        return sql.preparedQuery("UPDATE sessions SET state = 'ENDED', end_reason = $2, ended_at = $3 WHERE id = $1 AND state <> 'ENDED'")
                .execute(Tuple.of(sessionId, reason, now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    private static final String SELECT = "SELECT id, grant_id, request_digest, credential, protocol, state, end_reason, node, started_at, "
            + "ended_at FROM sessions ";

    public static Future<java.util.List<io.vertx.core.json.JsonObject>> list(SqlClient sql, String state, int limit) {
        return sql.preparedQuery(SELECT + "WHERE ($1::text IS NULL OR state = $1) ORDER BY started_at DESC LIMIT $2")
                .execute(Tuple.of(state, limit))
                .map(rows -> {
                    java.util.List<io.vertx.core.json.JsonObject> list = new java.util.ArrayList<>();
                    rows.forEach(r -> list.add(json(r)));
                    return list;
                });
    }

    public static Future<java.util.Optional<io.vertx.core.json.JsonObject>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery(SELECT + "WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? java.util.Optional.empty() : java.util.Optional.of(json(rows.iterator().next())));
    }

    private static io.vertx.core.json.JsonObject json(io.vertx.sqlclient.Row r) {
        return new io.vertx.core.json.JsonObject().put("id", r.getUUID("id").toString())
                .put("grantId", r.getUUID("grant_id").toString()).put("requestDigest", r.getString("request_digest"))
                .put("credential", r.getString("credential")).put("protocol", r.getString("protocol"))
                .put("state", r.getString("state")).put("endReason", r.getString("end_reason")).put("node", r.getString("node"))
                .put("startedAt", r.getOffsetDateTime("started_at").toInstant().toString())
                .put("endedAt", r.getOffsetDateTime("ended_at") == null ? null : r.getOffsetDateTime("ended_at").toInstant().toString());
    }
}
