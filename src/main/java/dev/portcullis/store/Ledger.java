package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.integrity.Signatures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Optional;

/** The hash-chained, append-only ledger table. Appends happen inside the caller's transaction. */
public final class Ledger {

    /** Advisory lock key that serialises ledger appends across all broker nodes. */
    static final long APPEND_LOCK = 0x706f7274_6c656467L;

    private Ledger() {
    }

    /**
     * Appends in {@code tx}, which must hold the append lock ({@link Tx#record} takes it):
     * reads the head, chains the entry to it and inserts it. The entry is visible only if tx commits.
     */
    static Future<LedgerChain.Entry> append(SqlClient tx, LedgerEvent event, Instant now) {
        return tx.query("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").execute().compose(rows -> {
            long seq = 1;
            String prev = LedgerChain.GENESIS;
            if (rows.size() == 1) {
                Row head = rows.iterator().next();
                seq = head.getLong("seq") + 1;
                prev = head.getString("hash");
            }
            Instant at = now.truncatedTo(ChronoUnit.MICROS);
            JsonObject payload = new JsonObject(event.payload());
            LedgerChain.Entry draft = new LedgerChain.Entry(seq, at.toString(), event.type(), event.actor(),
                    event.subject(), Json.plain(payload), prev, null);
            String hash = LedgerChain.hash(prev, draft.body());
            LedgerChain.Entry entry = new LedgerChain.Entry(seq, draft.at(), draft.type(), draft.actor(),
                    draft.subject(), draft.payload(), prev, hash);
            return tx.preparedQuery("INSERT INTO ledger (seq, at, type, actor, subject, payload, prev_hash, hash) "
                            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .execute(Tuple.of(seq, at.atOffset(ZoneOffset.UTC), event.type(), event.actor(), event.subject(), payload)
                            .addString(prev).addString(hash))
                    .map(done -> entry);
        });
    }

    public static Future<List<LedgerChain.Entry>> read(SqlClient client, long afterSeq, int limit) {
        return client.preparedQuery("SELECT seq, at, type, actor, subject, payload, prev_hash, hash FROM ledger "
                        + "WHERE seq > $1 ORDER BY seq LIMIT $2")
                .execute(Tuple.of(afterSeq, limit))
                .map(rows -> {
                    List<LedgerChain.Entry> entries = new ArrayList<>();
                    rows.forEach(row -> entries.add(entry(row)));
                    return entries;
                });
    }

    public static Future<List<LedgerChain.Entry>> forSubject(SqlClient client, String subject) {
        return client.preparedQuery("SELECT seq, at, type, actor, subject, payload, prev_hash, hash FROM ledger "
                        + "WHERE subject = $1 ORDER BY seq")
                .execute(Tuple.of(subject))
                .map(rows -> {
                    List<LedgerChain.Entry> entries = new ArrayList<>();
                    rows.forEach(row -> entries.add(entry(row)));
                    return entries;
                });
    }

    /** The result of walking the whole chain and checking it against the signed checkpoints. */
    public record Verification(long entries, String head, Optional<LedgerChain.Break> firstBreak, int checkpoints,
                               Optional<LedgerCheckpoints.Violation> checkpointViolation) {
        public boolean valid() {
            return firstBreak.isEmpty() && checkpointViolation.isEmpty();
        }
    }

    /** Walks the whole chain in pages, recomputing every hash; stops at the first broken link. */
    public static Future<Verification> verify(SqlClient client, Signatures signatures) {
        return LedgerCheckpoints.all(client).compose(checkpoints -> {
            Set<Long> wanted = new HashSet<>();
            checkpoints.forEach(c -> wanted.add(c.seq()));
            Map<Long, String> hashes = new HashMap<>();
            return walk(client, 0, LedgerChain.GENESIS, 0, wanted, hashes).map(walked -> new Verification(walked.entries(),
                    walked.head(), walked.firstBreak(), checkpoints.size(),
                    LedgerCheckpoints.check(checkpoints, hashes, signatures)));
        });
    }

    private record Walked(long entries, String head, Optional<LedgerChain.Break> firstBreak) {
    }

    private static Future<Walked> walk(SqlClient client, long afterSeq, String prevHash, long counted, Set<Long> wanted,
                                       Map<Long, String> hashes) {
        int page = 1000;
        return read(client, afterSeq, page).compose(entries -> {
            for (LedgerChain.Entry e : entries) {
                if (wanted.contains(e.seq())) {
                    hashes.put(e.seq(), e.hash());
                }
            }
            Optional<LedgerChain.Break> broken = LedgerChain.verify(prevHash, afterSeq, entries);
            if (broken.isPresent()) {
                return Future.succeededFuture(new Walked(counted + entries.size(), prevHash, broken));
            }
            if (entries.size() < page) {
                String head = entries.isEmpty() ? prevHash : entries.get(entries.size() - 1).hash();
                return Future.succeededFuture(new Walked(counted + entries.size(), head, Optional.empty()));
            }
            LedgerChain.Entry last = entries.get(entries.size() - 1);
            return walk(client, last.seq(), last.hash(), counted + entries.size(), wanted, hashes);
        });
    }

    static LedgerChain.Entry entry(Row row) {
        return new LedgerChain.Entry(row.getLong("seq"), row.getOffsetDateTime("at").toInstant().toString(),
                row.getString("type"), row.getString("actor"), row.getString("subject"),
                Json.plain(row.getJsonObject("payload")), row.getString("prev_hash"), row.getString("hash"));
    }
}
