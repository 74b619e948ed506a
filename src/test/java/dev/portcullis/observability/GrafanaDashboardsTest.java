package dev.portcullis.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portcullis.gateway.ssh.GatewayFixture;
import dev.portcullis.support.Scrape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every query of every panel in {@code grafana/dashboards} charts metrics a running broker really exports: the
 * metric names in each PromQL expression are looked up in a real scrape (meters are registered at start, at zero,
 * so a quiet broker has them too). The provisioning files point Grafana at those dashboards and at Prometheus.
 */
class GrafanaDashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** PromQL words that look like metric names but are not. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    static Scrape scrape;

    @BeforeAll
    static void scrapeARunningBroker() throws Exception {
        GatewayFixture fx = GatewayFixture.shared();
        // the SQL client and pools have served requests by the time the fixture is up
        scrape = Scrape.awaiting(fx.broker.harness.opsUrl(), s -> s.names().contains("vertx_sql_processing_pending"));
    }

    @Test
    void everyPanelQueriesOnlyMetricsTheBrokerExports() throws Exception {
        List<Path> dashboards;
        try (Stream<Path> files = Files.list(Path.of("grafana/dashboards"))) {
            dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(dashboards).extracting(p -> p.getFileName().toString()).contains("soc-overview.json", "broker-health.json");

        List<String> missing = new ArrayList<>();
        int expressions = 0;
        for (Path file : dashboards) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            assertThat(dashboard.path("uid").asText()).as(file + " uid").isNotBlank();
            for (JsonNode panel : dashboard.path("panels")) {
                assertThat(panel.path("targets")).as(file + ": panel '" + panel.path("title").asText() + "' has no query").isNotEmpty();
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText();
                    expressions++;
                    Set<String> names = metricNames(expr);
                    assertThat(names).as("no metric in " + expr).isNotEmpty();
                    for (String name : names) {
                        if (!scrape.names().contains(name)) {
                            missing.add(file.getFileName() + " / " + panel.path("title").asText() + ": " + name + " in " + expr);
                        }
                    }
                }
            }
        }
        assertThat(expressions).isGreaterThan(20);
        assertThat(missing).as("metrics the broker does not export").isEmpty();
    }

    @Test
    void theNameExtractionSeesThroughFunctionsLabelsAndRanges() {
        assertThat(metricNames("histogram_quantile(0.95, sum by (le, op) (rate(portcullis_vault_request_seconds_bucket{outcome=\"ok\"}[5m])))"))
                .containsExactly("portcullis_vault_request_seconds_bucket");
        assertThat(metricNames("sum(rate(a_total[1m])) / sum without (x) (b) > bool 0"))
                .containsExactly("a_total", "b");
        assertThat(metricNames("max(nope_not_exported)")).doesNotContain("max");
    }

    @Test
    void provisioningLoadsTheDashboardsFromPrometheus() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode datasources = yaml.readTree(Path.of("grafana/provisioning/datasources/prometheus.yaml").toFile());
        JsonNode providers = yaml.readTree(Path.of("grafana/provisioning/dashboards/portcullis.yaml").toFile());
        assertThat(datasources.path("datasources").get(0).path("uid").asText()).isEqualTo("prometheus");
        assertThat(providers.path("providers").get(0).path("type").asText()).isEqualTo("file");
        // every panel uses the provisioned data source
        try (Stream<Path> files = Files.list(Path.of("grafana/dashboards"))) {
            for (Path file : files.toList()) {
                for (JsonNode panel : JSON.readTree(file.toFile()).path("panels")) {
                    assertThat(panel.path("datasource").path("uid").asText()).as(file + " " + panel.path("title")).isEqualTo("prometheus");
                }
            }
        }
    }

    /** Metric names in a PromQL expression: identifiers that are not functions, keywords, label names or durations. */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")      // string literals
                .replaceAll("\\{[^}]*}", " ")                                   // label matchers
                .replaceAll("\\[[^]]*]", " ")                                   // range selectors
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // grouping labels
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String word = m.group();
            int after = m.end();
            while (after < e.length() && e.charAt(after) == ' ') {
                after++;
            }
            boolean function = after < e.length() && e.charAt(after) == '(';
            boolean number = m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1));
            if (!function && !number && !KEYWORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }
}
