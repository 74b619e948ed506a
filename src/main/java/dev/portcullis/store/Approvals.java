package dev.portcullis.store;

import dev.portcullis.domain.Approval;
import dev.portcullis.domain.Decision;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

public final class Approvals {

    private Approvals() {
    }

    public static Future<Approval> insert(SqlClient sql, Approval a) {
        return sql.preparedQuery("INSERT INTO approvals (id, request_id, approver_id, decision, request_digest, comment, "
                        + "decided_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.of(a.id(), a.requestId(), a.approverId(), a.decision().wire(), a.requestDigest(), a.comment(),
                        a.decidedAt().atOffset(ZoneOffset.UTC), a.keyId()).addString(a.signature()))
                .map(done -> a);
    }

    /** Every decision ever made on the request, for every digest it had, oldest first. */
    public static Future<List<Approval>> forRequest(SqlClient sql, UUID requestId) {
        return sql.preparedQuery("SELECT a.*, p.name AS approver_name FROM approvals a JOIN principals p ON p.id = a.approver_id "
                        + "WHERE a.request_id = $1 ORDER BY a.decided_at, a.id")
                .execute(Tuple.of(requestId))
                .map(rows -> {
                    List<Approval> list = new ArrayList<>();
                    rows.forEach(r -> list.add(approval(r)));
                    return list;
                });
    }

    static Approval approval(Row r) {
        return new Approval(r.getUUID("id"), r.getUUID("request_id"), r.getUUID("approver_id"), r.getString("approver_name"),
                Decision.fromWire(r.getString("decision")), r.getString("request_digest"), r.getString("comment"),
                r.getOffsetDateTime("decided_at").toInstant(), r.getString("key_id"), r.getString("signature"));
    }
}
