package dev.portcullis.bench;

import dev.portcullis.access.Directory;
import dev.portcullis.gateway.http.HttpGateway;
import dev.portcullis.support.StandInBroker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.portcullis.support.StandInBroker.await;

/**
 * The broker side of {@code bench/http-bench.sh}: the stand-in broker with the HTTP gateway on plain HTTP at the given
 * port, a target at the given upstream URL whose credential is a local secret injected as {@code Authorization},
 * a vendor and a live grant ({@code GET /**}). Prints {@code BENCH ready <port> <target> <token>} and then waits for
 * {@code quit} (or end of input) on stdin; {@code stats} answers {@code BENCH stats <live sessions> <bytes out>}.
 * Arguments: data directory, gateway port, upstream base URL.
 */
public final class HttpBenchBroker {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        StandInBroker broker = StandInBroker.start(dir.resolve("data"), Map.of("PORTCULLIS_HTTP_TLS", "false",
                "PORTCULLIS_HTTP_PORT", args[1], "PORTCULLIS_SSH_ENABLED", "false",
                "PORTCULLIS_HTTP_INSTANCES", System.getenv().getOrDefault("GATEWAY_INSTANCES", "0")));
        HttpGateway gateway = broker.harness.broker().httpGateway();
        await(broker.harness.broker().localSecrets().put(broker.admin, "bench-api", "upstream-secret"));
        broker.httpTarget("bench-api", "quiet", args[2],
                Map.of("local", Map.of("secret", "bench-api", "header", "Authorization", "template", "Bearer {{value}}")));
        Directory.Registered vendor = broker.vendorWithToken("bench-vendor");
        broker.grantScope(vendor.principal(), "bench-api", Map.of("http", Map.of("methods", List.of("GET"), "paths", List.of("/**"))),
                Instant.now().minusSeconds(1), Instant.now().plus(Duration.ofHours(3)), 100);
        System.out.println("BENCH ready " + gateway.port() + " bench-api " + vendor.token());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            if (line.equals("stats")) {
                System.out.println("BENCH stats " + gateway.liveSessions() + " " + gateway.traffic().bytesOut());
                System.out.flush();
            }
        }
        broker.close();
        System.exit(0);
    }
}
