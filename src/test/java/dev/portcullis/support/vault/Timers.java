package dev.portcullis.support.vault;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Runs background work (lease and token expiry) on the server's worker pool at a given instant. */
final class Timers {

    private final Vertx vertx;
    private final WorkerExecutor worker;
    private final Set<Long> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Timers(Vertx vertx, WorkerExecutor worker) {
        this.vertx = vertx;
        this.worker = worker;
    }

    void at(Instant when, Runnable task) {
        if (closed) {
            return;
        }
        long delay = Math.max(1, Duration.between(Instant.now(), when).toMillis() + 1);
        long[] id = new long[1];
        id[0] = vertx.setTimer(delay, fired -> {
            pending.remove(fired);
            if (!closed) {
                worker.executeBlocking(() -> {
                    task.run();
                    return null;
                }, false);
            }
        });
        pending.add(id[0]);
    }

    void close() {
        closed = true;
        pending.forEach(vertx::cancelTimer);
        pending.clear();
    }
}
