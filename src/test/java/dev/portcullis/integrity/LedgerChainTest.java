package dev.portcullis.integrity;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerChainTest {

    private static LedgerChain.Entry entry(long seq, String prevHash, Object payload) {
        String at = String.format("2025-03-01T10:00:%02d.000000Z", seq);
        LedgerChain.Entry unhashed = new LedgerChain.Entry(seq, at, "request.created", "alice", "req-" + seq, payload,
                prevHash, null);
        return withHash(unhashed, LedgerChain.hash(prevHash, unhashed.body()));
    }

    private static LedgerChain.Entry withHash(LedgerChain.Entry e, String hash) {
        return new LedgerChain.Entry(e.seq(), e.at(), e.type(), e.actor(), e.subject(), e.payload(), e.prevHash(), hash);
    }

    private static LedgerChain.Entry withPrevHash(LedgerChain.Entry e, String prevHash) {
        return new LedgerChain.Entry(e.seq(), e.at(), e.type(), e.actor(), e.subject(), e.payload(), prevHash, e.hash());
    }

    private static LedgerChain.Entry withPayload(LedgerChain.Entry e, Object payload) {
        return new LedgerChain.Entry(e.seq(), e.at(), e.type(), e.actor(), e.subject(), payload, e.prevHash(), e.hash());
    }

    /** Five properly chained entries, seq 1..5. */
    private static List<LedgerChain.Entry> chain() {
        List<LedgerChain.Entry> entries = new ArrayList<>();
        String prev = LedgerChain.GENESIS;
        for (long seq = 1; seq <= 5; seq++) {
            LedgerChain.Entry e = entry(seq, prev, Map.of("n", seq, "note", "entry " + seq));
            entries.add(e);
            prev = e.hash();
        }
        return entries;
    }

    private static Optional<LedgerChain.Break> verify(List<LedgerChain.Entry> entries) {
        return LedgerChain.verify(LedgerChain.GENESIS, 0, entries);
    }

    @Test
    void genesisIsSixtyFourZeros() {
        assertThat(LedgerChain.GENESIS).isEqualTo("0000000000000000000000000000000000000000000000000000000000000000");
    }

    @Test
    void hashIsSha256OfPrevHashHexThenCanonicalBody() throws Exception {
        LedgerChain.Entry e = new LedgerChain.Entry(1, "2025-03-01T10:00:00.000000Z", "grant.issued", "broker",
                "grant-9", Map.of("window", "PT1H", "digest", "ab"), LedgerChain.GENESIS, null);
        String canonical = "{\"actor\":\"broker\",\"at\":\"2025-03-01T10:00:00.000000Z\","
                + "\"payload\":{\"digest\":\"ab\",\"window\":\"PT1H\"},\"seq\":1,\"subject\":\"grant-9\",\"type\":\"grant.issued\"}";
        byte[] expected = MessageDigest.getInstance("SHA-256")
                .digest((LedgerChain.GENESIS + canonical).getBytes(StandardCharsets.UTF_8));

        assertThat(LedgerChain.hash(LedgerChain.GENESIS, e.body())).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void validChainVerifies() {
        assertThat(verify(chain())).isEmpty();
    }

    @Test
    void emptyChainVerifies() {
        assertThat(verify(List.of())).isEmpty();
    }

    @Test
    void tailVerifiesFromACheckpoint() {
        List<LedgerChain.Entry> entries = chain();
        assertThat(LedgerChain.verify(entries.get(1).hash(), 2, entries.subList(2, 5))).isEmpty();
    }

    @Test
    void tailFromTheWrongCheckpointHashBreaksAtItsFirstEntry() {
        List<LedgerChain.Entry> entries = chain();
        assertThat(LedgerChain.verify(entries.get(0).hash(), 2, entries.subList(2, 5)))
                .contains(new LedgerChain.Break(3, "prev_hash does not match the previous entry's hash"));
    }

    @Test
    void alteredPayloadIsReportedAtItsSeq() {
        List<LedgerChain.Entry> entries = chain();
        entries.set(2, withPayload(entries.get(2), Map.of("n", 3, "note", "entry 3, edited")));

        assertThat(verify(entries)).contains(new LedgerChain.Break(3, "hash does not match the entry's content"));
    }

    @Test
    void alteredFieldsOtherThanPayloadAreDetectedToo() {
        List<LedgerChain.Entry> base = chain();
        LedgerChain.Entry e = base.get(3);
        List<LedgerChain.Entry> variants = List.of(
                new LedgerChain.Entry(e.seq(), "2025-03-01T10:00:05.000000Z", e.type(), e.actor(), e.subject(), e.payload(), e.prevHash(), e.hash()),
                new LedgerChain.Entry(e.seq(), e.at(), "request.approved", e.actor(), e.subject(), e.payload(), e.prevHash(), e.hash()),
                new LedgerChain.Entry(e.seq(), e.at(), e.type(), "mallory", e.subject(), e.payload(), e.prevHash(), e.hash()),
                new LedgerChain.Entry(e.seq(), e.at(), e.type(), e.actor(), "req-99", e.payload(), e.prevHash(), e.hash()));
        for (LedgerChain.Entry altered : variants) {
            List<LedgerChain.Entry> entries = new ArrayList<>(base);
            entries.set(3, altered);
            assertThat(verify(entries)).get().extracting(LedgerChain.Break::seq).isEqualTo(4L);
        }
    }

    @Test
    void alteredPrevHashIsReportedAtItsSeq() {
        List<LedgerChain.Entry> entries = chain();
        entries.set(2, withPrevHash(entries.get(2), "f".repeat(64)));

        assertThat(verify(entries)).contains(new LedgerChain.Break(3, "prev_hash does not match the previous entry's hash"));
    }

    @Test
    void alteredHashIsReportedAtItsOwnSeqNotTheNext() {
        List<LedgerChain.Entry> entries = chain();
        entries.set(2, withHash(entries.get(2), "e".repeat(64)));

        assertThat(verify(entries)).contains(new LedgerChain.Break(3, "hash does not match the entry's content"));
    }

    @Test
    void rehashedEditBreaksTheNextEntrysLink() {
        List<LedgerChain.Entry> entries = chain();
        LedgerChain.Entry edited = withPayload(entries.get(2), Map.of("n", 3, "note", "forged"));
        entries.set(2, withHash(edited, LedgerChain.hash(edited.prevHash(), edited.body())));

        assertThat(verify(entries)).contains(new LedgerChain.Break(4, "prev_hash does not match the previous entry's hash"));
    }

    @Test
    void removedEntryIsASequenceGapAtTheNextSeq() {
        List<LedgerChain.Entry> entries = chain();
        entries.remove(2);

        assertThat(verify(entries)).contains(new LedgerChain.Break(4, "sequence gap: expected entry 3"));
    }

    @Test
    void removedFirstEntryIsASequenceGap() {
        List<LedgerChain.Entry> entries = chain();
        entries.remove(0);

        assertThat(verify(entries)).contains(new LedgerChain.Break(2, "sequence gap: expected entry 1"));
    }

    @Test
    void removedLastEntryIsNotVisibleWithoutAHead() {
        // truncation at the end is what the signed checkpoints of the head are for; the walk alone cannot see it
        List<LedgerChain.Entry> entries = chain();
        entries.remove(4);

        assertThat(verify(entries)).isEmpty();
    }

    @Test
    void reorderedEntriesAreReportedAtTheFirstOutOfPlaceSeq() {
        List<LedgerChain.Entry> entries = chain();
        LedgerChain.Entry third = entries.get(2);
        entries.set(2, entries.get(3));
        entries.set(3, third);

        assertThat(verify(entries)).contains(new LedgerChain.Break(4, "sequence gap: expected entry 3"));
    }

    @Test
    void replayedEntryIsReported() {
        List<LedgerChain.Entry> entries = chain();
        entries.add(3, entries.get(2));

        assertThat(verify(entries)).contains(new LedgerChain.Break(3, "sequence gap: expected entry 4"));
    }

    @Test
    void renumberedEntryIsReportedEvenWhenTheSequenceLooksRight() {
        List<LedgerChain.Entry> entries = chain();
        entries.remove(2);
        // close the gap by renumbering what follows, keeping the stored hashes
        for (int i = 2; i < entries.size(); i++) {
            LedgerChain.Entry e = entries.get(i);
            entries.set(i, new LedgerChain.Entry(e.seq() - 1, e.at(), e.type(), e.actor(), e.subject(), e.payload(),
                    e.prevHash(), e.hash()));
        }

        assertThat(verify(entries)).contains(new LedgerChain.Break(3, "prev_hash does not match the previous entry's hash"));
    }

    @Test
    void firstBreakIsTheOneReported() {
        List<LedgerChain.Entry> entries = chain();
        entries.set(1, withPayload(entries.get(1), Map.of("n", 2, "note", "edited")));
        entries.set(3, withPrevHash(entries.get(3), "a".repeat(64)));

        assertThat(verify(entries)).get().extracting(LedgerChain.Break::seq).isEqualTo(2L);
    }
}
