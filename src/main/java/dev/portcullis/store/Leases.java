package dev.portcullis.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Lease rows (see V3__leases.sql): what was handed out under a lease, and how far its revocation has got. */
public final class Leases {

    /** A lease as stored; {@code previousState} is set on rows just claimed. */
    public record Lease(String leaseId, UUID grantId, UUID sessionId, UUID targetId, String kind, String issuer, String username,
                        String state, int attempts, String lastError, Instant issuedAt, Instant revokedAt, String previousState) {
    }

    private Leases() {
    }

    public static Future<Void> insert(SqlClient sql, String leaseId, UUID grantId, UUID sessionId, UUID targetId, String kind,
                                      String issuer, String username, Instant issuedAt, Instant expiresAt) {
        return sql.preparedQuery("INSERT INTO leases (lease_id, grant_id, session_id, target_id, kind, issuer, username, state, issued_at, expires_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', $8, $9)")
                .execute(Tuple.of(leaseId, grantId, sessionId, targetId, kind, issuer, username).addValue(utc(issuedAt)).addValue(utc(expiresAt)))
                .mapEmpty();
    }

    /**
     * Claims up to {@code limit} unfinished leases of closing or closed grants (of one grant, or of any when
     * {@code grantId} is null, then only those due for another attempt), moving them to REVOKING and holding them
     * for this node until {@code holdUntil}. Rows another node holds are skipped, not waited for.
     */
    public static Future<List<Lease>> claim(SqlClient sql, UUID grantId, String node, Instant now, Instant holdUntil, int limit) {
        return sql.preparedQuery("WITH picked AS ("
                        + " SELECT l.lease_id, l.state AS previous_state FROM leases l JOIN grants g ON g.id = l.grant_id"
                        + " WHERE l.state <> 'REVOKED' AND g.state IN ('CLOSING', 'CLOSED', 'CLOSE_FAILED')"
                        + " AND ($1::uuid IS NULL OR l.grant_id = $1)"
                        + " AND (l.claimed_until IS NULL OR l.claimed_until < $3 OR l.claimed_by = $2)"
                        + " AND ($1::uuid IS NOT NULL OR l.next_attempt_at IS NULL OR l.next_attempt_at <= $3)"
                        + " ORDER BY l.issued_at LIMIT $5 FOR UPDATE OF l SKIP LOCKED)"
                        + " UPDATE leases l SET state = 'REVOKING', attempts = l.attempts + 1, claimed_by = $2, claimed_until = $4"
                        + " FROM picked WHERE l.lease_id = picked.lease_id RETURNING l.*, picked.previous_state")
                .execute(Tuple.of(grantId, node, utc(now), utc(holdUntil), limit))
                .map(rows -> {
                    List<Lease> leases = new ArrayList<>();
                    rows.forEach(r -> leases.add(lease(r, r.getString("previous_state"))));
                    return leases;
                });
    }

    public static Future<Boolean> revoked(SqlClient sql, String leaseId, Instant now) {
        return sql.preparedQuery("UPDATE leases SET state = 'REVOKED', revoked_at = $2, last_error = NULL, claimed_by = NULL, "
                        + "claimed_until = NULL, next_attempt_at = NULL WHERE lease_id = $1 AND state <> 'REVOKED'")
                .execute(Tuple.of(leaseId, utc(now))).map(rows -> rows.rowCount() == 1);
    }

    public static Future<Boolean> failed(SqlClient sql, String leaseId, String error, Instant nextAttempt) {
        return sql.preparedQuery("UPDATE leases SET state = 'FAILED', last_error = $2, next_attempt_at = $3, claimed_by = NULL, "
                        + "claimed_until = NULL WHERE lease_id = $1 AND state <> 'REVOKED'")
                .execute(Tuple.of(leaseId, error, utc(nextAttempt))).map(rows -> rows.rowCount() == 1);
    }

    /** The grant's leases not yet confirmed revoked. */
    /** Every lease ever issued on the grant, oldest first (for its history). */
    public static Future<List<String>> idsForGrant(SqlClient sql, UUID grantId) {
        return sql.preparedQuery("SELECT lease_id FROM leases WHERE grant_id = $1 ORDER BY issued_at").execute(Tuple.of(grantId))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getString("lease_id")));
                    return ids;
                });
    }

    public static Future<List<Lease>> unfinishedForGrant(SqlClient sql, UUID grantId) {
        return sql.preparedQuery("SELECT *, NULL AS previous_state FROM leases WHERE grant_id = $1 AND state <> 'REVOKED' ORDER BY issued_at")
                .execute(Tuple.of(grantId)).map(rows -> {
                    List<Lease> leases = new ArrayList<>();
                    rows.forEach(r -> leases.add(lease(r, null)));
                    return leases;
                });
    }

    /** How many leases of closing or closed grants still wait for confirmed revocation (the alerting gauge). */
    public static Future<Integer> pending(SqlClient sql) {
        return sql.preparedQuery("SELECT count(*) AS n FROM leases l JOIN grants g ON g.id = l.grant_id "
                        + "WHERE l.state <> 'REVOKED' AND g.state IN ('CLOSING', 'CLOSED', 'CLOSE_FAILED')")
                .execute().map(rows -> rows.iterator().next().getInteger("n"));
    }

    private static Lease lease(Row r, String previous) {
        return new Lease(r.getString("lease_id"), r.getUUID("grant_id"), r.getUUID("session_id"), r.getUUID("target_id"),
                r.getString("kind"), r.getString("issuer"), r.getString("username"), r.getString("state"), r.getInteger("attempts"),
                r.getString("last_error"), instant(r.getOffsetDateTime("issued_at")), instant(r.getOffsetDateTime("revoked_at")), previous);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
