package dev.portcullis.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reviews that every break-glass opens; an OPEN one blocks its requester's next break-glass. */
public final class BreakGlassReviews {

    private static final String SELECT = "SELECT b.id, b.request_id, b.grant_id, r.name AS requester, b.state, p.name AS reviewer, "
            + "b.outcome, b.note, b.opened_at, b.closed_at FROM breakglass_reviews b JOIN principals r ON r.id = b.requester_id "
            + "LEFT JOIN principals p ON p.id = b.reviewer_id ";

    private BreakGlassReviews() {
    }

    public static Future<UUID> open(SqlClient sql, UUID requestId, UUID grantId, UUID requesterId, Instant now) {
        UUID id = UUID.randomUUID();
        return sql.preparedQuery("INSERT INTO breakglass_reviews (id, request_id, grant_id, requester_id, state, opened_at) "
                        + "VALUES ($1, $2, $3, $4, 'OPEN', $5)")
                .execute(Tuple.of(id, requestId, grantId, requesterId, now.atOffset(ZoneOffset.UTC)))
                .map(done -> id);
    }

    public static Future<Optional<UUID>> openFor(SqlClient sql, UUID requesterId) {
        return sql.preparedQuery("SELECT id FROM breakglass_reviews WHERE requester_id = $1 AND state = 'OPEN'")
                .execute(Tuple.of(requesterId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("id")));
    }

    public static Future<Optional<JsonObject>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery(SELECT + "WHERE b.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(json(rows.iterator().next())));
    }

    public static Future<List<JsonObject>> list(SqlClient sql, String state) {
        return sql.preparedQuery(SELECT + "WHERE ($1::text IS NULL OR b.state = $1) ORDER BY b.opened_at DESC LIMIT 200")
                .execute(Tuple.of(state))
                .map(rows -> {
                    List<JsonObject> list = new ArrayList<>();
                    rows.forEach(r -> list.add(json(r)));
                    return list;
                });
    }

    public static Future<Boolean> close(SqlClient sql, UUID id, UUID reviewerId, String outcome, String note, Instant now) {
        return sql.preparedQuery("UPDATE breakglass_reviews SET state = 'CLOSED', reviewer_id = $2, outcome = $3, note = $4, "
                        + "closed_at = $5 WHERE id = $1 AND state = 'OPEN'")
                .execute(Tuple.of(id, reviewerId, outcome, note, now.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    private static JsonObject json(Row r) {
        return new JsonObject().put("id", r.getUUID("id").toString()).put("requestId", r.getUUID("request_id").toString())
                .put("grantId", r.getUUID("grant_id").toString()).put("requester", r.getString("requester"))
                .put("state", r.getString("state")).put("reviewer", r.getString("reviewer"))
                .put("outcome", r.getString("outcome")).put("note", r.getString("note"))
                .put("openedAt", r.getOffsetDateTime("opened_at").toInstant().toString())
                .put("closedAt", r.getOffsetDateTime("closed_at") == null ? null : r.getOffsetDateTime("closed_at").toInstant().toString());
    }
}
