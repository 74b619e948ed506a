package dev.portcullis.store;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.ChangeClass;
import dev.portcullis.domain.RequestState;
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

public final class Requests {

    private static final String COLUMNS = "id, ticket, requester_id, executor_id, target_id, scope, environment, change_class, "
            + "not_before, not_after, max_sessions, expected_outcome, rollback_plan, emergency, state, state_reason, digest, "
            + "policy_version, policy_rule, created_at";

    private Requests() {
    }

    public static Future<AccessRequest> insert(SqlClient sql, AccessRequest r, Instant now) {
        return sql.preparedQuery("INSERT INTO access_requests (" + COLUMNS + ", updated_at) VALUES "
                        + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)")
                .execute(bindingTuple(r).addString(r.state().name()).addString(r.stateReason()).addString(r.digest())
                        .addString(r.policyVersion()).addString(r.policyRule())
                        .addOffsetDateTime(r.createdAt().atOffset(ZoneOffset.UTC)).addOffsetDateTime(now.atOffset(ZoneOffset.UTC)))
                .map(done -> r);
    }

    /** Rewrites the binding fields of a still-PENDING request (an amendment); false if it was no longer pending. */
    public static Future<Boolean> amend(SqlClient sql, AccessRequest r, Instant now) {
        return sql.preparedQuery("UPDATE access_requests SET ticket = $2, requester_id = $3, executor_id = $4, target_id = $5, "
                        + "scope = $6, environment = $7, change_class = $8, not_before = $9, not_after = $10, max_sessions = $11, "
                        + "expected_outcome = $12, rollback_plan = $13, emergency = $14, digest = $15, policy_version = $16, "
                        + "policy_rule = $17, updated_at = $18 WHERE id = $1 AND state = 'PENDING'")
                .execute(bindingTuple(r).addString(r.digest()).addString(r.policyVersion()).addString(r.policyRule())
                        .addOffsetDateTime(now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    private static Tuple bindingTuple(AccessRequest r) {
        return Tuple.tuple().addUUID(r.id()).addString(r.ticket()).addUUID(r.requesterId()).addUUID(r.executorId())
                .addUUID(r.targetId()).addValue(new JsonObject(Scopes.toMap(r.scope()))).addString(r.environment())
                .addString(r.changeClass().wire()).addOffsetDateTime(r.window().notBefore().atOffset(ZoneOffset.UTC))
                .addOffsetDateTime(r.window().notAfter().atOffset(ZoneOffset.UTC)).addInteger(r.maxSessions())
                .addString(r.expectedOutcome()).addString(r.rollbackPlan()).addBoolean(r.emergency());
    }

    /** Moves a request out of PENDING; false if another decision got there first. */
    public static Future<Boolean> decide(SqlClient sql, UUID id, RequestState state, String reason, Instant now) {
        return sql.preparedQuery("UPDATE access_requests SET state = $2, state_reason = $3, updated_at = $4 "
                        + "WHERE id = $1 AND state = 'PENDING'")
                .execute(Tuple.of(id, state.name(), reason, now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    public static Future<Optional<AccessRequest>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT " + COLUMNS + " FROM access_requests WHERE id = $1").execute(Tuple.of(id))
                .map(Requests::first);
    }

    /** Locks the request row for the rest of the transaction, so concurrent decisions serialise. */
    public static Future<Optional<AccessRequest>> lock(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT " + COLUMNS + " FROM access_requests WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(Requests::first);
    }

    public static Future<List<AccessRequest>> list(SqlClient sql, String state, UUID involving, int limit) {
        return sql.preparedQuery("SELECT " + COLUMNS + " FROM access_requests WHERE ($1::text IS NULL OR state = $1) "
                        + "AND ($2::uuid IS NULL OR requester_id = $2 OR executor_id = $2) ORDER BY created_at DESC LIMIT $3")
                .execute(Tuple.of(state, involving, limit))
                .map(rows -> {
                    List<AccessRequest> list = new ArrayList<>();
                    rows.forEach(r -> list.add(request(r)));
                    return list;
                });
    }

    public static Future<List<AccessRequest>> pending(SqlClient sql) {
        return sql.query("SELECT " + COLUMNS + " FROM access_requests WHERE state = 'PENDING'").execute().map(rows -> {
            List<AccessRequest> list = new ArrayList<>();
            rows.forEach(r -> list.add(request(r)));
            return list;
        });
    }

    private static Optional<AccessRequest> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(request(rows.iterator().next()));
    }

    static AccessRequest request(Row r) {
        return new AccessRequest(r.getUUID("id"), r.getString("ticket"), r.getUUID("requester_id"), r.getUUID("executor_id"),
                r.getUUID("target_id"), Scopes.fromMap(Json.map(r.getJsonObject("scope"))), r.getString("environment"),
                ChangeClass.fromWire(r.getString("change_class")),
                new Window(r.getOffsetDateTime("not_before").toInstant(), r.getOffsetDateTime("not_after").toInstant()),
                r.getInteger("max_sessions"), r.getString("expected_outcome"), r.getString("rollback_plan"),
                r.getBoolean("emergency"), RequestState.valueOf(r.getString("state")), r.getString("state_reason"),
                r.getString("digest"), r.getString("policy_version"), r.getString("policy_rule"),
                r.getOffsetDateTime("created_at").toInstant());
    }
}
