package dev.portcullis.store;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.GrantState;
import dev.portcullis.domain.Scopes;
import dev.portcullis.domain.Window;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class Grants {

    private static final String COLUMNS = "id, request_id, request_digest, executor_id, target_id, scope, not_before, not_after, "
            + "max_sessions, break_glass, policy_version, basis, issued_at, key_id, signature, state, close_reason, closed_at";

    private Grants() {
    }

    public static Future<Grant> insert(SqlClient sql, Grant g) {
        return sql.preparedQuery("INSERT INTO grants (" + COLUMNS + ") VALUES "
                        + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)")
                .execute(Tuple.tuple().addUUID(g.id()).addUUID(g.requestId()).addString(g.requestDigest())
                        .addUUID(g.executorId()).addUUID(g.targetId()).addValue(new JsonObject(Scopes.toMap(g.scope())))
                        .addOffsetDateTime(g.window().notBefore().atOffset(ZoneOffset.UTC))
                        .addOffsetDateTime(g.window().notAfter().atOffset(ZoneOffset.UTC)).addInteger(g.maxSessions())
                        .addBoolean(g.breakGlass()).addString(g.policyVersion()).addString(g.basis())
                        .addOffsetDateTime(g.issuedAt().atOffset(ZoneOffset.UTC)).addString(g.keyId()).addString(g.signature())
                        .addString(g.state().name()).addString(g.closeReason()).addValue(null))
                .map(done -> g);
    }

    /** Moves a grant from {@code from} to {@code to}; false if it was not in {@code from} (another node won). */
    public static Future<Boolean> transition(SqlClient sql, UUID id, GrantState from, GrantState to, String reason, Instant now) {
        boolean closing = to == GrantState.CLOSED || to == GrantState.CLOSE_FAILED;
        return sql.preparedQuery("UPDATE grants SET state = $3, close_reason = COALESCE($4, close_reason), "
                        + "closed_at = CASE WHEN $5 THEN $6 ELSE closed_at END WHERE id = $1 AND state = $2")
                .execute(Tuple.of(id, from.name(), to.name(), reason, closing, now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Locks the grant row until the transaction ends: whoever holds it alone may count and open sessions
     * on the grant, so two vendors racing for its last session cannot both get it.
     */
    public static Future<Void> lock(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT id FROM grants WHERE id = $1 FOR UPDATE").execute(Tuple.of(id)).mapEmpty();
    }

    public static Future<Optional<Grant>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT " + COLUMNS + " FROM grants WHERE id = $1").execute(Tuple.of(id)).map(Grants::first);
    }

    public static Future<Optional<Grant>> forRequest(SqlClient sql, UUID requestId) {
        return sql.preparedQuery("SELECT " + COLUMNS + " FROM grants WHERE request_id = $1").execute(Tuple.of(requestId))
                .map(Grants::first);
    }

    /** Grants whose timers must be armed: not yet active, active, stuck closing or failed to close (retried). */
    public static Future<List<Grant>> withPendingTransitions(SqlClient sql) {
        return many(sql.query("SELECT " + COLUMNS + " FROM grants WHERE state IN ('SCHEDULED', 'ACTIVE', 'CLOSING', 'CLOSE_FAILED')").execute());
    }

    /** Every grant of the executor on the target that is not closed, newest window first. */
    public static Future<List<Grant>> forExecutorAndTarget(SqlClient sql, UUID executorId, UUID targetId) {
        return many(sql.preparedQuery("SELECT " + COLUMNS + " FROM grants WHERE executor_id = $1 AND target_id = $2 "
                        + "ORDER BY not_after DESC LIMIT 50")
                .execute(Tuple.of(executorId, targetId)));
    }

    /** Grants issued by the auto tier to one executor since {@code since}: the rate limit counts these. */
    public static Future<Integer> autoGrantsSince(SqlClient sql, UUID executorId, Instant since) {
        return sql.preparedQuery("SELECT count(*) AS n FROM grants WHERE executor_id = $1 AND basis = 'auto' AND issued_at >= $2")
                .execute(Tuple.of(executorId, since.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.iterator().next().getInteger("n"));
    }

    private static Future<List<Grant>> many(Future<RowSet<Row>> query) {
        return query.map(rows -> {
            List<Grant> list = new ArrayList<>();
            rows.forEach(r -> list.add(grant(r)));
            return list;
        });
    }

    private static Optional<Grant> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(grant(rows.iterator().next()));
    }

    static Grant grant(Row r) {
        return new Grant(r.getUUID("id"), r.getUUID("request_id"), r.getString("request_digest"), r.getUUID("executor_id"),
                r.getUUID("target_id"), Scopes.fromMap(Json.map(r.getJsonObject("scope"))),
                new Window(r.getOffsetDateTime("not_before").toInstant(), r.getOffsetDateTime("not_after").toInstant()),
                r.getInteger("max_sessions"), r.getBoolean("break_glass"), r.getString("policy_version"), r.getString("basis"),
                r.getOffsetDateTime("issued_at").toInstant(), r.getString("key_id"), r.getString("signature"),
                GrantState.valueOf(r.getString("state")), r.getString("close_reason"),
                r.getOffsetDateTime("closed_at") == null ? null : r.getOffsetDateTime("closed_at").toInstant());
    }
}
