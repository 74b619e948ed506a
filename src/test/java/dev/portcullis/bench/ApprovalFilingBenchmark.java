package dev.portcullis.bench;

import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Approval filing end to end through the REST API: a fixed number of clients each file a one-approval
 * request ({@code web-prod}, change class {@code config}, window now + 1 h) and approve it, over and over,
 * against the whole broker started in-process on loopback. Reports filings/s, approvals/s and the p50/p99
 * latency of each call, counted only inside the measured phase that follows a warm-up.
 *
 * <p>Run by {@code bench/core-bench.sh}; arguments (all optional):
 * {@code --clients 16 --warmup 5 --duration 20 --max-filings 200000}. Every approval issues a grant and
 * arms its window timers, so the run is bounded by time and by count.
 */
public final class ApprovalFilingBenchmark {

    private record Settings(int clients, Duration warmup, Duration duration, long maxFilings) {
        static Settings parse(String[] args) {
            int clients = 16;
            long warmup = 5;
            long duration = 20;
            long maxFilings = 200_000;
            for (int i = 0; i + 1 < args.length; i += 2) {
                switch (args[i]) {
                    case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                    case "--warmup" -> warmup = Long.parseLong(args[i + 1]);
                    case "--duration" -> duration = Long.parseLong(args[i + 1]);
                    case "--max-filings" -> maxFilings = Long.parseLong(args[i + 1]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (args.length % 2 != 0) {
                throw new IllegalArgumentException("options come in pairs: --name value");
            }
            return new Settings(clients, Duration.ofSeconds(warmup), Duration.ofSeconds(duration), maxFilings);
        }
    }

    /** One client's latencies (nanoseconds) of the calls that started and ended inside the measured phase. */
    private static final class Samples {
        long[] filings = new long[4096];
        long[] approvals = new long[4096];
        int filed;
        int approved;
        long errors;
        String firstError;

        void file(long nanos) {
            if (filed == filings.length) {
                filings = Arrays.copyOf(filings, filed * 2);
            }
            filings[filed++] = nanos;
        }

        void approve(long nanos) {
            if (approved == approvals.length) {
                approvals = Arrays.copyOf(approvals, approved * 2);
            }
            approvals[approved++] = nanos;
        }

        void error(String what) {
            errors++;
            if (firstError == null) {
                firstError = what;
            }
        }
    }

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong tickets = new AtomicLong();
    private final String base;
    private final String requester;
    private final String[] approvers;
    private final long measureFrom;
    private final long measureUntil;

    private ApprovalFilingBenchmark(Settings settings, String base, Fixtures cast) {
        this.settings = settings;
        this.base = base;
        this.requester = cast.token("vendor");
        this.approvers = new String[]{cast.token("alice"), cast.token("bob")};
        this.measureFrom = System.nanoTime() + settings.warmup().toNanos();
        this.measureUntil = measureFrom + settings.duration().toNanos();
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        boolean clean;
        try (BrokerHarness harness = BrokerHarness.start()) {
            Fixtures cast = Fixtures.standard(harness.api());
            long grantsBefore = harness.count("grants");
            System.out.printf(Locale.ROOT, "[filing] %d clients, %ds warm-up, %ds measured, broker at %s%n",
                    settings.clients(), settings.warmup().toSeconds(), settings.duration().toSeconds(), harness.api().base());
            List<Samples> all = new ApprovalFilingBenchmark(settings, harness.api().base(), cast).run();
            clean = report(settings, all, harness.count("grants") - grantsBefore);
        }
        System.exit(clean ? 0 : 1);
    }

    private List<Samples> run() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(settings.clients());
        try {
            List<Future<Samples>> clients = new ArrayList<>();
            for (int c = 0; c < settings.clients(); c++) {
                String approver = approvers[c % approvers.length];
                clients.add(pool.submit(() -> client(approver)));
            }
            List<Samples> all = new ArrayList<>();
            for (Future<Samples> client : clients) {
                all.add(client.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private Samples client(String approver) {
        Samples samples = new Samples();
        while (System.nanoTime() < measureUntil) {
            long n = tickets.incrementAndGet();
            if (n > settings.maxFilings()) {
                break;
            }
            long start = System.nanoTime();
            Call filed = post("/requests", requester,
                    Fixtures.request("CHG-" + n, "vendor2", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
            long end = System.nanoTime();
            if (filed.status() != 201) {
                samples.error("file: " + filed);
                continue;
            }
            if (start >= measureFrom && end <= measureUntil) {
                samples.file(end - start);
            }
            JsonObject request = new JsonObject(filed.body());
            start = System.nanoTime();
            Call approved = post("/requests/" + request.getString("id") + "/approvals", approver,
                    new JsonObject().put("decision", "approve").put("digest", request.getString("digest")));
            end = System.nanoTime();
            if (approved.status() != 200 || !"APPROVED".equals(new JsonObject(approved.body()).getString("state"))) {
                samples.error("approve: " + approved);
                continue;
            }
            if (start >= measureFrom && end <= measureUntil) {
                samples.approve(end - start);
            }
        }
        return samples;
    }

    private record Call(int status, String body) {
        @Override
        public String toString() {
            return status + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
    }

    private Call post(String path, String token, JsonObject body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Call(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Call(-1, "interrupted");
        } catch (Exception e) {
            return new Call(-1, e.toString());
        }
    }

    /** Prints the results; false when any call failed. */
    private static boolean report(Settings settings, List<Samples> all, long grantsIssued) {
        long[] filings = merge(all, true);
        long[] approvals = merge(all, false);
        long errors = all.stream().mapToLong(s -> s.errors).sum();
        double seconds = settings.duration().toNanos() / 1e9;
        double filingRate = filings.length / seconds;
        double approvalRate = approvals.length / seconds;
        System.out.printf(Locale.ROOT, "[filing] filings   %8.1f /s  p50 %7.2f ms  p99 %7.2f ms  (%d in %.0fs)%n",
                filingRate, ms(percentile(filings, 50)), ms(percentile(filings, 99)), filings.length, seconds);
        System.out.printf(Locale.ROOT, "[filing] approvals %8.1f /s  p50 %7.2f ms  p99 %7.2f ms  (%d in %.0fs)%n",
                approvalRate, ms(percentile(approvals, 50)), ms(percentile(approvals, 99)), approvals.length, seconds);
        System.out.printf(Locale.ROOT, "[filing] %d grants issued over the whole run, %d errors%n", grantsIssued, errors);
        all.stream().filter(s -> s.firstError != null).findFirst()
                .ifPresent(s -> System.out.println("[filing] first error: " + s.firstError));
        // One line for bench/core-bench.sh to parse.
        System.out.printf(Locale.ROOT, "RESULT filings_per_s=%.1f approvals_per_s=%.1f file_p50_ms=%.2f file_p99_ms=%.2f "
                        + "approve_p50_ms=%.2f approve_p99_ms=%.2f errors=%d%n",
                filingRate, approvalRate, ms(percentile(filings, 50)), ms(percentile(filings, 99)),
                ms(percentile(approvals, 50)), ms(percentile(approvals, 99)), errors);
        return errors == 0;
    }

    private static long[] merge(List<Samples> all, boolean filings) {
        long[] merged = all.stream().flatMapToLong(s -> Arrays.stream(filings ? s.filings : s.approvals, 0,
                filings ? s.filed : s.approved)).toArray();
        Arrays.sort(merged);
        return merged;
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
