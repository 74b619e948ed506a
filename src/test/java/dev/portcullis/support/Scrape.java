package dev.portcullis.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** One real scrape of a broker's {@code /metrics}, read as Prometheus text: series and their values, metric names. */
public record Scrape(String text, Map<String, Double> samples, Set<String> names) {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static Scrape of(String opsUrl) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(opsUrl + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("/metrics answered " + response.statusCode());
            }
            return parse(response.body());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scrapes until {@code until} holds (meters follow the ledger's events a moment after the commit). */
    public static Scrape awaiting(String opsUrl, Predicate<Scrape> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            Scrape scrape = of(opsUrl);
            if (until.test(scrape)) {
                return scrape;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the scrape never satisfied the condition; last scrape:\n" + scrape.text);
            }
            try {
                HTTP.send(HttpRequest.newBuilder(URI.create(opsUrl + "/health/live")).build(), HttpResponse.BodyHandlers.discarding());
            } catch (Exception ignored) {
                // a cheap round trip paces the polling
            }
        }
    }

    static Scrape parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ") || line.startsWith("# HELP ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                String series = line.substring(0, space);
                samples.put(series, Double.parseDouble(line.substring(space + 1)));
                int brace = series.indexOf('{');
                names.add(brace < 0 ? series : series.substring(0, brace));
            }
        }
        return new Scrape(text, samples, names);
    }

    /** The value of the series with exactly these labels (in the order Micrometer writes them: alphabetical). */
    public double value(String name, String... labels) {
        StringBuilder series = new StringBuilder(name);
        if (labels.length > 0) {
            series.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                series.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
            }
            series.append('}');
        }
        Double v = samples.get(series.toString());
        if (v == null) {
            throw new AssertionError("no series " + series + " in the scrape");
        }
        return v;
    }

    public boolean has(String name, String... labels) {
        try {
            value(name, labels);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }
}
