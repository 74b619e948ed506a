package dev.portcullis.bench;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.store.Principals;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.Fixtures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link GrantVerifier#evaluate} on a warm cache, against the whole broker started in-process (embedded
 * PostgreSQL, real API, a grant issued through the API). Run by {@code bench/core-bench.sh}; the target is
 * 200,000 verifications/s on one core.
 *
 * <p>Why the calls run on a Vert.x event loop: the verifier caches the <em>futures</em> of its loads, and a
 * Vert.x future delivers its callbacks on the context it belongs to. On that context a warm-cache call
 * completes before it returns; from any other thread it completes only after a hop through that context's
 * task queue (measured by {@link #allowedFromForeignThread}). So {@link #allowedOnWarmCache} and
 * {@link #refusedOnWarmCache} warm the cache from one event-loop context and then run batches of
 * {@value #BATCH} calls there — one core doing the work, the benchmark thread only waiting for each batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GrantVerifierBenchmark {

    /** Calls per hand-off to the event loop: large enough that the hand-off costs well under 1%. */
    static final int BATCH = 10_000;

    private BrokerHarness harness;
    private GrantVerifier verifier;
    private Context eventLoop;
    private GrantVerifier.Attempt allowed;
    private GrantVerifier.Attempt refused;
    /** Calls that found no completed answer (a cache entry expired or was dropped mid-batch); reported at tear-down. */
    private long unfinished;
    private long calls;

    @Setup(Level.Trial)
    public void startBrokerWithAnActiveGrant() {
        harness = BrokerHarness.start();
        Fixtures cast = Fixtures.standard(harness.api());
        JsonObject filed = cast.file("vendor",
                Fixtures.request("CHG-1", "vendor2", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
        // Measure only once the grant is ACTIVE: its activation would otherwise drop the cache mid-run.
        BrokerHarness.Awaiting active = harness.expect(WindowScheduler.TRANSITIONS, e -> "ACTIVE".equals(e.getString("state")));
        Api.Answer approved = cast.decide("alice", filed, "approve");
        if (approved.status() != 200 || !"APPROVED".equals(approved.json().getString("state"))) {
            throw new IllegalStateException("the request was not approved: " + approved);
        }
        active.get(Duration.ofSeconds(30));

        Principal vendor2 = BrokerHarness.await(Principals.byName(harness.broker().database().pool(), "vendor2")
                .toCompletionStage().toCompletableFuture()).orElseThrow();
        allowed = new GrantVerifier.Attempt(vendor2, "web-prod", new Action.SshShell("postgres"), null, true);
        refused = new GrantVerifier.Attempt(vendor2, "web-prod", new Action.SshShell("root"), null, true);
        verifier = harness.broker().verifier();
        eventLoop = harness.vertx().getOrCreateContext();

        // Warm the cache from the context the benchmark runs on, so that the cached load belongs to it.
        verifier.invalidateAll();
        Verdict first = BrokerHarness.await(onEventLoop(() -> verifier.evaluate(allowed))
                .thenCompose(f -> f.toCompletionStage()).toCompletableFuture());
        if (!(first instanceof Verdict.Allowed)) {
            throw new IllegalStateException("expected the grant to allow the attempt, got " + first);
        }
        Future<Verdict> warm = warmCall(allowed);
        if (!warm.isComplete() || !(warm.result() instanceof Verdict.Allowed)) {
            throw new IllegalStateException("a warm-cache call did not complete at once as Allowed: " + warm);
        }
        Future<Verdict> no = warmCall(refused);
        if (!no.isComplete() || !(no.result() instanceof Verdict.Refused r) || r.reason() != RefusalReason.OUT_OF_SCOPE) {
            throw new IllegalStateException("a warm-cache call did not complete at once as OUT_OF_SCOPE: " + no);
        }
    }

    /**
     * A call that completes at once. The activation's NOTIFY may still be on its way and drop the entry
     * just warmed, so a call that has to reload is awaited and the next one tried (bounded).
     */
    private Future<Verdict> warmCall(GrantVerifier.Attempt attempt) {
        for (int i = 0; i < 100; i++) {
            Future<Verdict> call = onEventLoop(() -> verifier.evaluate(attempt)).join();
            if (call.isComplete()) {
                return call;
            }
            BrokerHarness.await(call.toCompletionStage().toCompletableFuture());
        }
        throw new IllegalStateException("the verifier cache never stayed warm");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void allowedOnWarmCache(Blackhole blackhole) {
        batch(allowed, blackhole);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void refusedOnWarmCache(Blackhole blackhole) {
        batch(refused, blackhole);
    }

    /** What a caller that is not on the cache's context gets (an SSH gateway thread, another event loop). */
    @Benchmark
    public Verdict allowedFromForeignThread() {
        return verifier.evaluate(allowed).toCompletionStage().toCompletableFuture().join();
    }

    private void batch(GrantVerifier.Attempt attempt, Blackhole blackhole) {
        onEventLoop(() -> {
            for (int i = 0; i < BATCH; i++) {
                Future<Verdict> verdict = verifier.evaluate(attempt);
                if (!verdict.isComplete()) {
                    unfinished++;
                }
                blackhole.consume(verdict.result());
            }
            calls += BATCH;
            return null;
        }).join();
    }

    private <T> CompletableFuture<T> onEventLoop(Supplier<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        eventLoop.runOnContext(v -> {
            try {
                done.complete(work.get());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @TearDown(Level.Trial)
    public void stopBroker() {
        if (calls > 0) {
            System.out.printf("%n[bench] %d of %d warm-cache calls found no completed answer (cache reloads)%n", unfinished, calls);
        }
        if (harness != null) {
            harness.close();
        }
    }
}
