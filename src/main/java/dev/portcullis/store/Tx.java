package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

import java.time.Instant;
import java.util.List;

/**
 * One write transaction: its connection, the instant it treats as "now", and the ledger entries it
 * appends — which are published to the ledger sinks only after it commits.
 */
public final class Tx {

    private final SqlConnection connection;
    private final Instant now;
    private final List<LedgerChain.Entry> appended;

    Tx(SqlConnection connection, Instant now, List<LedgerChain.Entry> appended) {
        this.connection = connection;
        this.now = now;
        this.appended = appended;
    }

    public SqlConnection sql() {
        return connection;
    }

    public Instant now() {
        return now;
    }

    public Future<LedgerChain.Entry> record(LedgerEvent event) {
        return Ledger.append(connection, event, now).onSuccess(appended::add);
    }
}
