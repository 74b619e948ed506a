package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs write transactions. Each one first takes the ledger's advisory lock, so every state change and
 * its ledger entries commit together and ledger appends from all nodes are strictly ordered. Taking the
 * lock first (rather than at the first append) keeps lock order uniform, so writers cannot deadlock.
 */
public final class Transactions {

    private final Pool pool;
    private final Clock clock;
    private final Consumer<LedgerChain.Entry> sink;

    public Transactions(Pool pool, Clock clock, Consumer<LedgerChain.Entry> sink) {
        this.pool = pool;
        this.clock = clock;
        this.sink = sink;
    }

    public <T> Future<T> run(Function<Tx, Future<T>> work) {
        List<LedgerChain.Entry> appended = new ArrayList<>();
        return pool.<T>withTransaction(connection -> connection.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                        .execute(Tuple.of(Ledger.APPEND_LOCK))
                        .compose(locked -> work.apply(new Tx(connection, now(), appended))))
                .onSuccess(result -> appended.forEach(sink));
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
