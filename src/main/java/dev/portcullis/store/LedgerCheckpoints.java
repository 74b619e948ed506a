package dev.portcullis.store;

import dev.portcullis.integrity.Signatures;
import dev.portcullis.integrity.SigningKey;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signed statements "the ledger reached entry N with hash H". Without them, deleting the newest entries
 * (with the guard trigger disabled) would leave a chain that still verifies.
 */
public final class LedgerCheckpoints {

    private LedgerCheckpoints() {
    }

    public record Checkpoint(long seq, String hash, Instant at, String keyId, String signature) {
    }

    public static Map<String, Object> statement(long seq, String hash, Instant at, String keyId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("type", "ledger-checkpoint");
        m.put("seq", seq);
        m.put("hash", hash);
        m.put("at", at.toString());
        m.put("keyId", keyId);
        return m;
    }

    /** Signs the current head unless the newest checkpoint already covers it. Holds the append lock, so the head cannot move meanwhile. */
    public static Future<Optional<Checkpoint>> write(Tx tx, SigningKey key) {
        return tx.lockLedger().compose(locked -> tx.sql().query("SELECT l.seq, l.hash, (SELECT max(seq) FROM ledger_checkpoints) AS covered "
                        + "FROM ledger l ORDER BY l.seq DESC LIMIT 1").execute()
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.empty());
                    }
                    Row head = rows.iterator().next();
                    Long covered = head.getLong("covered");
                    if (covered != null && covered >= head.getLong("seq")) {
                        return Future.succeededFuture(Optional.empty());
                    }
                    Checkpoint c = new Checkpoint(head.getLong("seq"), head.getString("hash"), tx.now(), key.keyId(),
                            key.sign(statement(head.getLong("seq"), head.getString("hash"), tx.now(), key.keyId())));
                    return tx.sql().preparedQuery("INSERT INTO ledger_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)")
                            .execute(Tuple.of(c.seq(), c.hash(), c.at().atOffset(ZoneOffset.UTC), c.keyId(), c.signature()))
                            .map(done -> Optional.of(c));
                }));
    }

    public static Future<List<Checkpoint>> all(SqlClient sql) {
        return sql.query("SELECT seq, hash, at, key_id, signature FROM ledger_checkpoints ORDER BY seq").execute().map(rows -> {
            List<Checkpoint> list = new ArrayList<>();
            rows.forEach(r -> list.add(new Checkpoint(r.getLong("seq"), r.getString("hash"),
                    r.getOffsetDateTime("at").toInstant(), r.getString("key_id"), r.getString("signature"))));
            return list;
        });
    }

    /** A checkpoint the chain no longer honours, or whose signature fails. */
    public record Violation(long seq, String reason) {
    }

    /**
     * Checks every checkpoint against the chain: its signature, and that the entry it names still exists
     * with the same hash. {@code hashes} maps seq to hash for the whole chain as it stands.
     */
    public static Optional<Violation> check(List<Checkpoint> checkpoints, Map<Long, String> hashes, Signatures signatures) {
        for (Checkpoint c : checkpoints) {
            if (!signatures.verify(statement(c.seq(), c.hash(), c.at(), c.keyId()), c.keyId(), c.signature())) {
                return Optional.of(new Violation(c.seq(), "checkpoint signature does not verify"));
            }
            String hash = hashes.get(c.seq());
            if (hash == null) {
                return Optional.of(new Violation(c.seq(), "the ledger no longer contains entry " + c.seq()
                        + ", which a signed checkpoint covers: entries were removed from its end"));
            }
            if (!hash.equals(c.hash())) {
                return Optional.of(new Violation(c.seq(), "entry " + c.seq() + " differs from its signed checkpoint"));
            }
        }
        return Optional.empty();
    }
}
