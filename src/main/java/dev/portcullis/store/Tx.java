package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

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
    private boolean ledgerLocked;

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
        return lockLedger().compose(locked -> Ledger.append(connection, event, now)).onSuccess(appended::add);
    }

    /**
     * Takes the ledger's advisory lock (once; it is held until commit), so appends from all nodes are
     * strictly ordered. It is taken at the first append rather than at BEGIN so that a transaction's
     * reads and checks do not hold up everybody else's writes.
     */
    Future<Void> lockLedger() {
        if (ledgerLocked) {
            return Future.succeededFuture();
        }
        return connection.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(Ledger.APPEND_LOCK))
                .map(done -> {
                    ledgerLocked = true;
                    return null;
                });
    }
}
