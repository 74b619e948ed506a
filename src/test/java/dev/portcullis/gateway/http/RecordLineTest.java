package dev.portcullis.gateway.http;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The recording line of one exchange: valid JSON whatever the path holds, and a time {@code Instant.parse} reads. */
class RecordLineTest {

    private static final String GRANT = UUID.randomUUID().toString();

    @Test
    void everyFieldReadsBackAndTheTimeIsTheExchangesToTheMicrosecond() {
        Instant at = Instant.parse("2026-11-22T03:01:26.004513789Z");
        JsonObject line = new JsonObject(RecordLine.of(at, "POST", "/v1/orders", 201, 12, 345, 7, GRANT, "vendor-bot", false, null));
        assertThat(line.getString("time")).isEqualTo("2026-11-22T03:01:26.004513Z");
        assertThat(Instant.parse(line.getString("time"))).isEqualTo(Instant.parse("2026-11-22T03:01:26.004513Z"));
        assertThat(line.getString("method")).isEqualTo("POST");
        assertThat(line.getString("path")).isEqualTo("/v1/orders");
        assertThat(line.getInteger("status")).isEqualTo(201);
        assertThat(line.getLong("bytesIn")).isEqualTo(12);
        assertThat(line.getLong("bytesOut")).isEqualTo(345);
        assertThat(line.getLong("ms")).isEqualTo(7);
        assertThat(line.getString("grant")).isEqualTo(GRANT);
        assertThat(line.getString("identity")).isEqualTo("vendor-bot");
        assertThat(line.fieldNames()).doesNotContain("websocket", "cut");
    }

    @Test
    void timesInDifferentSecondsAndOnTheSecondAreEachWrittenRight() {
        // The date and time of day are cached per second: going back and forth must not reuse the wrong one.
        Instant[] times = {
                Instant.parse("2026-11-22T23:59:59.999999Z"), Instant.parse("2026-11-23T00:00:00Z"),
                Instant.parse("2026-11-22T23:59:59.000001Z"), Instant.parse("1999-01-01T00:00:00.100Z")};
        String[] expected = {
                "2026-11-22T23:59:59.999999Z", "2026-11-23T00:00:00.000000Z",
                "2026-11-22T23:59:59.000001Z", "1999-01-01T00:00:00.100000Z"};
        for (int i = 0; i < times.length; i++) {
            JsonObject line = new JsonObject(RecordLine.of(times[i], "GET", "/", 200, 0, 0, 0, GRANT, "v", false, null));
            assertThat(line.getString("time")).isEqualTo(expected[i]);
            assertThat(Instant.parse(line.getString("time"))).isEqualTo(times[i]);
        }
    }

    @Test
    void quotesBackslashesAndControlCharactersCannotBreakTheLine() {
        String path = "/a\"b\\c\u0001d\u2028e/é";
        String cut = "window \"closed\"\n";
        String text = RecordLine.of(Instant.now(), "GET", path, 403, 0, 0, 1, GRANT, "na\"me", true, cut);
        assertThat(text).doesNotContain("\n").doesNotContain("\u2028");
        JsonObject line = new JsonObject(text);
        assertThat(line.getString("path")).isEqualTo(path);
        assertThat(line.getString("identity")).isEqualTo("na\"me");
        assertThat(line.getBoolean("websocket")).isTrue();
        assertThat(line.getString("cut")).isEqualTo(cut);
    }
}
