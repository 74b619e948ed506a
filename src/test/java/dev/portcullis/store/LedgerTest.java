package dev.portcullis.store;

import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger is append-only, hash-chained, verifiable through the API, and mirrored as JSON lines. */
class LedgerTest extends BrokerTestBase {

    @Test
    void theDatabaseRefusesUpdateDeleteAndTruncate() {
        assertThatThrownBy(() -> broker.sql("UPDATE ledger SET actor = 'nobody' WHERE seq = 1"))
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> broker.sql("DELETE FROM ledger WHERE seq = 1")).hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> broker.sql("TRUNCATE ledger")).hasStackTraceContaining("append-only");
        var first = broker.sql("SELECT actor FROM ledger WHERE seq = 1");
        assertThat(first.size()).isEqualTo(1);
        assertThat(first.iterator().next().getString("actor")).isEqualTo("broker");
    }

    @Test
    void everyCommittedEntryIsAlsoWrittenAsAJsonLine() throws Exception {
        // Lines are written just after each commit (two commits' lines may swap places), so compare the set of
        // lines with the entries they cover.
        List<String> lines = Files.readAllLines(broker.dataDir().resolve("ledger.jsonl"));
        assertThat(lines).isNotEmpty();
        List<Long> seqs = lines.stream().map(l -> new JsonObject(l).getLong("seq")).sorted().toList();
        assertThat(seqs).isEqualTo(java.util.stream.LongStream.rangeClosed(1, lines.size()).boxed().toList());
        for (String text : lines) {
            JsonObject line = new JsonObject(text);
            var row = broker.sql("SELECT type, hash FROM ledger WHERE seq = $1", line.getLong("seq")).iterator().next();
            assertThat(line.getString("type")).isEqualTo(row.getString("type"));
            if (!row.getString("type").equals("request.filed")) { // the tampering test below rewrites one of those
                assertThat(line.getString("hash")).isEqualTo(row.getString("hash"));
            }
        }
        assertThat(new JsonObject(lines.get(0)).getString("type")).isEqualTo("broker.started");
    }

    @Test
    void aRowTamperedWithTheTriggerDisabledIsReportedAtThatEntry() {
        cast.file("vendor", Fixtures.request("CHG-20", "vendor", "web-prod", "config", java.time.Duration.ZERO, java.time.Duration.ofHours(1)));
        long target = broker.sql("SELECT seq FROM ledger WHERE type = 'request.filed' ORDER BY seq LIMIT 1").iterator().next().getLong("seq");
        cast.file("vendor", Fixtures.request("CHG-21", "vendor", "web-prod", "config", java.time.Duration.ZERO, java.time.Duration.ofHours(1)));
        assertThat(api.get("/ledger/verify", api.adminToken()).json().getBoolean("valid")).isTrue();

        // What a superuser could do: switch the guard off, rewrite history, switch it back on.
        broker.sql("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update");
        broker.sql("UPDATE ledger SET payload = jsonb_set(payload, '{ticket}', '\"CHG-99999\"') WHERE seq = $1", target);
        broker.sql("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update");

        JsonObject verdict = api.get("/ledger/verify", cast.token("auditor")).json();
        assertThat(verdict.getBoolean("valid")).isFalse();
        assertThat(verdict.getJsonObject("firstBroken").getLong("seq")).isEqualTo(target);
        assertThat(verdict.getJsonObject("firstBroken").getString("reason")).contains("hash");

        // Rehashing that row to hide the edit breaks the next link instead.
        broker.sql("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update");
        String rehashed = dev.portcullis.integrity.LedgerChain.hash(
                broker.sql("SELECT prev_hash FROM ledger WHERE seq = $1", target).iterator().next().getString("prev_hash"),
                BrokerHarness.await(Ledger.read(broker.broker().database().pool(), target - 1, 1).toCompletionStage().toCompletableFuture())
                        .get(0).body());
        broker.sql("UPDATE ledger SET hash = $2 WHERE seq = $1", target, rehashed);
        broker.sql("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update");
        JsonObject second = api.get("/ledger/verify", cast.token("auditor")).json();
        assertThat(second.getJsonObject("firstBroken").getLong("seq")).isEqualTo(target + 1);
        assertThat(second.getJsonObject("firstBroken").getString("reason")).contains("prev_hash");
    }

    @Test
    void onlyAdminsAndAuditorsReadTheLedger() {
        Api.Answer answer = api.get("/ledger/verify", cast.token("vendor"));
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.errorCode()).isEqualTo("forbidden_role");
    }
}
