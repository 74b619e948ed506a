package dev.portcullis.store;

import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Signed checkpoints of the head reveal what the hash chain alone cannot: entries cut off its end. */
class LedgerCheckpointTest extends BrokerTestBase {

    @Override
    protected void started() {
        cast.file("vendor", Fixtures.request("CHG-60", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
    }

    @Test
    void removingTheNewestEntriesIsReportedAgainstTheLastCheckpoint() {
        BrokerHarness.await(broker.broker().checkpoint().toCompletionStage().toCompletableFuture());
        long head = broker.sql("SELECT max(seq) AS s FROM ledger").iterator().next().getLong("s");
        assertThat(broker.sql("SELECT max(seq) AS s FROM ledger_checkpoints").iterator().next().getLong("s")).isEqualTo(head);
        JsonObject before = api.get("/ledger/verify", api.adminToken()).json();
        assertThat(before.getBoolean("valid")).isTrue();
        assertThat(before.getInteger("checkpoints")).isGreaterThanOrEqualTo(2);

        // Cutting entries off the end leaves a chain that is internally consistent...
        broker.sql("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update");
        broker.sql("DELETE FROM ledger WHERE seq >= $1", head - 1);
        broker.sql("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update");

        JsonObject after = api.get("/ledger/verify", api.adminToken()).json();
        assertThat(after.getValue("firstBroken")).isNull();
        // ...but not with the signed statement of how far it reached.
        assertThat(after.getBoolean("valid")).isFalse();
        assertThat(after.getJsonObject("checkpointViolation").getLong("seq")).isEqualTo(head);
        assertThat(after.getJsonObject("checkpointViolation").getString("reason")).contains("removed");
    }

    @Test
    void checkpointsCannotBeRewritten() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broker.sql("DELETE FROM ledger_checkpoints"))
                .hasStackTraceContaining("append-only");
    }
}
