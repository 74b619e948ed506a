package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs write transactions: a state change and its ledger entries commit together or not at all, and the
 * entries reach the ledger sinks only after the commit. Ledger appends are serialised across all nodes by
 * an advisory lock taken at a transaction's first append (see {@link Tx#record}). A transaction that
 * PostgreSQL aborts as a deadlock victim or a serialisation failure is run again, a few times.
 */
public final class Transactions {

    static final int ATTEMPTS = 3;

    private final Pool pool;
    private final Clock clock;
    private final Consumer<LedgerChain.Entry> sink;

    public Transactions(Pool pool, Clock clock, Consumer<LedgerChain.Entry> sink) {
        this.pool = pool;
        this.clock = clock;
        this.sink = sink;
    }

    public <T> Future<T> run(Function<Tx, Future<T>> work) {
        return attempt(work, 1);
    }

    private <T> Future<T> attempt(Function<Tx, Future<T>> work, int attempt) {
        List<LedgerChain.Entry> appended = new ArrayList<>();
        return pool.<T>withTransaction(connection -> work.apply(new Tx(connection, now(), appended)))
                .onSuccess(result -> appended.forEach(sink))
                .recover(failure -> attempt < ATTEMPTS && retriable(failure)
                        ? attempt(work, attempt + 1)
                        : Future.failedFuture(failure));
    }

    private static boolean retriable(Throwable failure) {
        return failure instanceof PgException pg && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }

    /** Records one event in its own transaction: for refusals, whose own transaction did not commit. */
    public Future<LedgerChain.Entry> record(LedgerEvent event) {
        return run(tx -> tx.record(event));
    }

    /** Now, at the database's precision (microseconds), so what is signed equals what is stored. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    public Pool pool() {
        return pool;
    }

    public Clock clock() {
        return clock;
    }
}
