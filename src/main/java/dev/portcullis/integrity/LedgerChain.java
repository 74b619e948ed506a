package dev.portcullis.integrity;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger's hash chain: {@code hash = SHA-256(prev_hash || canonical(entry))}, where prev_hash is the
 * previous entry's hash as hex (64 zeros before the first entry) and the entry is its fields without
 * the hashes.
 */
public final class LedgerChain {

    public static final String GENESIS = "0".repeat(64);

    private LedgerChain() {
    }

    /** One ledger entry as stored; {@code at} is ISO-8601 UTC with microseconds, as the database keeps it. */
    public record Entry(long seq, String at, String type, String actor, String subject, Object payload,
                        String prevHash, String hash) {

        public Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("seq", seq);
            body.put("at", at);
            body.put("type", type);
            body.put("actor", actor);
            body.put("subject", subject);
            body.put("payload", payload);
            return body;
        }
    }

    public static String hash(String prevHash, Map<String, Object> body) {
        return HexFormat.of().formatHex(Digests.sha256(prevHash.getBytes(StandardCharsets.US_ASCII), Canonical.bytes(body)));
    }

    /** A broken link: the first entry whose prev_hash or hash does not follow from what came before. */
    public record Break(long seq, String reason) {
    }

    /**
     * Walks {@code entries} (in seq order) from {@code prevHash}; the first entry that breaks the chain
     * is returned. Sequence gaps are breaks too: a deleted entry must not go unnoticed.
     */
    public static Optional<Break> verify(String prevHash, long prevSeq, List<Entry> entries) {
        String expectedPrev = prevHash;
        long expectedSeq = prevSeq + 1;
        for (Entry entry : entries) {
            if (entry.seq() != expectedSeq) {
                return Optional.of(new Break(entry.seq(), "sequence gap: expected entry " + expectedSeq));
            }
            if (!entry.prevHash().equals(expectedPrev)) {
                return Optional.of(new Break(entry.seq(), "prev_hash does not match the previous entry's hash"));
            }
            if (!hash(entry.prevHash(), entry.body()).equals(entry.hash())) {
                return Optional.of(new Break(entry.seq(), "hash does not match the entry's content"));
            }
            expectedPrev = entry.hash();
            expectedSeq++;
        }
        return Optional.empty();
    }
}
