package dev.portcullis.observability;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What {@code /health/ready} asks: named checks (the database always; Vault when a Vault broker is configured,
 * which adds its own), run together, each bounded by a timeout so a hung dependency answers "not ready" rather
 * than hanging the probe.
 */
public final class Readiness {

    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** One check's answer; {@code error} is null when it passed. */
    public record Result(String name, boolean ready, String error, long millis) {
    }

    private record Check(String name, Supplier<Future<?>> probe) {
    }

    private final Vertx vertx;
    private final List<Check> checks = new CopyOnWriteArrayList<>();

    public Readiness(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Adds a named check: a future that succeeds when the dependency answered. */
    public Readiness add(String name, Supplier<Future<?>> probe) {
        checks.add(new Check(name, probe));
        return this;
    }

    public Future<List<Result>> check() {
        List<Future<Result>> running = new ArrayList<>();
        for (Check check : checks) {
            running.add(run(check));
        }
        return Future.join(running).map(all -> running.stream().map(Future::result).toList());
    }

    private Future<Result> run(Check check) {
        long started = System.nanoTime();
        Promise<Result> done = Promise.promise();
        long timer = vertx.setTimer(TIMEOUT.toMillis(), t -> done.tryComplete(new Result(check.name(), false,
                new TimeoutException("no answer within " + TIMEOUT.toMillis() + " ms").getMessage(), elapsed(started))));
        Future<?> probe;
        try {
            probe = check.probe().get();
        } catch (RuntimeException e) {
            probe = Future.failedFuture(e);
        }
        probe.onComplete(result -> {
            vertx.cancelTimer(timer);
            done.tryComplete(new Result(check.name(), result.succeeded(),
                    result.succeeded() ? null : String.valueOf(result.cause().getMessage()), elapsed(started)));
        });
        return done.future();
    }

    private static long elapsed(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    static Map<String, Object> json(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ready", r.ready());
        m.put("millis", r.millis());
        if (r.error() != null) {
            m.put("error", r.error());
        }
        return m;
    }
}
