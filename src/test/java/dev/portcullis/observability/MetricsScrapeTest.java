package dev.portcullis.observability;

import dev.portcullis.domain.Grant;
import dev.portcullis.gateway.ssh.GatewayFixture;
import dev.portcullis.support.Scrape;
import dev.portcullis.support.VendorSsh;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real scrape of a broker that has done real work (an SSH session through the gateway to a real sshd, a refused
 * vendor) is valid Prometheus text by promtool's own check, and its meters say what happened.
 */
class MetricsScrapeTest {

    static GatewayFixture fx;
    static String target;
    static VendorSsh.Run session;

    @BeforeAll
    static void work() throws Exception {
        fx = GatewayFixture.shared();
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("metrics-vendor"));
        target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        session = vendor.ssh().run(target, "echo metered-output");
        fx.awaitLifecycle(e -> "ENDED".equals(e.getString("state")) && grant.id().toString().equals(e.getString("grant")));

        GatewayFixture.Vendor stranger = fx.vendor(fx.unique("metrics-stranger"));
        VendorSsh.Run refused = stranger.ssh().run(target, "echo never");
        assertThat(refused.exitStatus()).as(refused.toString()).isEqualTo(255);
    }

    private static String ops() {
        return fx.broker.harness.opsUrl();
    }

    @Test
    void promtoolAcceptsARealScrape() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assumeTrue(Files.isExecutable(promtool), "promtool is missing: install the Debian package 'prometheus' (.ci/run does)");
        Scrape scrape = Scrape.awaiting(ops(), s -> s.value("portcullis_access_denied_total", "reason", "no_grant") >= 1);
        Path file = Path.of("target", "scrape.prom"); // kept for reading after the build
        Files.writeString(file, scrape.text());

        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .redirectInput(file.toFile()).start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("promtool check metrics said:\n" + said).isZero();
    }

    @Test
    void sessionsRefusalsAndBytesAreCounted() {
        Scrape scrape = Scrape.awaiting(ops(), s -> s.value("portcullis_access_denied_total", "reason", "no_grant") >= 1
                && s.value("portcullis_session_starts_total", "outcome", "started", "protocol", "ssh") >= 1);

        assertThat(session.stdout()).contains("metered-output");
        assertThat(scrape.value("portcullis_session_starts_total", "outcome", "refused", "protocol", "ssh")).isGreaterThanOrEqualTo(1);
        assertThat(scrape.value("portcullis_proxy_bytes_total", "direction", "to_vendor", "protocol", "ssh"))
                .isGreaterThanOrEqualTo("metered-output\n".length());
        // the session has ended: the target's series is there, at zero, labelled by target and environment only
        assertThat(scrape.value("portcullis_sessions_active", "environment", "test", "protocol", "ssh", "target", target)).isZero();
        // pre-registered: every refusal reason and Vault operation is a series from the start
        assertThat(scrape.value("portcullis_access_denied_total", "reason", "window_closed")).isGreaterThanOrEqualTo(0);
        assertThat(scrape.has("portcullis_vault_request_seconds_count", "op", "ssh_sign", "outcome", "ok")).isTrue();
        // Vert.x's own meters are in the same registry
        assertThat(scrape.names()).anyMatch(n -> n.startsWith("vertx_http_server_"));
        assertThat(scrape.names()).contains("jvm_memory_used_bytes");
        // low cardinality: no label carries a session id
        assertThat(scrape.samples().keySet()).noneMatch(series -> series.matches(".*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-.*"));
    }

    @Test
    void livenessAnswersAndReadinessNamesTheDatabaseCheck() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var live = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ops() + "/health/live")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        var ready = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ops() + "/health/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(new io.vertx.core.json.JsonObject(ready.body()).getJsonObject("checks").getJsonObject("database")
                .getBoolean("ready")).isTrue();
    }

    static List<String> lines(String text) {
        return List.of(text.split("\n"));
    }
}
