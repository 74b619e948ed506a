package dev.portcullis.observability;

import dev.portcullis.support.BrokerHarness;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /health/ready} asks the real database: while the embedded PostgreSQL is frozen (SIGSTOP, as a hung
 * server or a network partition looks to the broker) it answers 503 naming the database check, and ready again
 * once PostgreSQL runs again. Liveness stays up throughout: the process is fine, its dependency is not.
 */
class ReadinessTest {

    static BrokerHarness broker;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        broker = BrokerHarness.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void readinessFailsWhileTheDatabaseIsUnreachableAndRecovers() throws Exception {
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);

        List<String> postgres = postgresProcesses();
        signal("-STOP", postgres);
        HttpResponse<String> down;
        HttpResponse<String> live;
        try {
            down = get("/health/ready");
            live = get("/health/live");
        } finally {
            signal("-CONT", postgres);
        }

        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
        JsonObject body = new JsonObject(down.body());
        assertThat(body.getString("status")).isEqualTo("not_ready");
        assertThat(body.getJsonObject("checks").getJsonObject("database").getBoolean("ready")).isFalse();
        assertThat(body.getJsonObject("checks").getJsonObject("database").getString("error")).contains("no answer within");
        assertThat(live.statusCode()).isEqualTo(200);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> again = get("/health/ready");
        while (again.statusCode() != 200 && System.nanoTime() < deadline) {
            again = get("/health/ready");
        }
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(broker.opsUrl() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The embedded server's postmaster (from its pid file) and every backend it forked. */
    private static List<String> postgresProcesses() throws Exception {
        long postmaster = Long.parseLong(Files.readAllLines(broker.dataDir().resolve("postgres/postmaster.pid")).get(0).trim());
        List<String> pids = new ArrayList<>();
        pids.add(Long.toString(postmaster));
        ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(p -> pids.add(Long.toString(p.pid())));
        return pids;
    }

    private static void signal(String signal, List<String> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        command.addAll(pids);
        assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
    }
}
