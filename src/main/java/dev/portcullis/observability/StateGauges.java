package dev.portcullis.observability;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A named job that counts rows in interesting states (pending approvals, open break-glass, failed closings…)
 * every few seconds and sets the gauges. A scrape only reads the last values: it never waits on the database.
 * The round trip is also the database latency probe. Components whose tables are not in the core (the credential
 * leases) add their own counts with {@link #count}.
 */
public final class StateGauges {

    private static final Logger LOG = LoggerFactory.getLogger(StateGauges.class);
    public static final Duration PERIOD = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final Pool pool;
    private final Meters meters;
    private final Map<Meters.State, String> counts = new LinkedHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private long timer = -1;

    public StateGauges(Vertx vertx, Pool pool, Meters meters) {
        this.vertx = vertx;
        this.pool = pool;
        this.meters = meters;
        count(Meters.State.APPROVALS_PENDING, "SELECT count(*) FROM access_requests WHERE state = 'PENDING'");
        count(Meters.State.BREAKGLASS_ACTIVE,
                "SELECT count(*) FROM grants WHERE break_glass AND state IN ('SCHEDULED', 'ACTIVE') AND not_after > now()");
        count(Meters.State.BREAKGLASS_REVIEWS_OPEN, "SELECT count(*) FROM breakglass_reviews WHERE state = 'OPEN'");
        count(Meters.State.GRANTS_CLOSE_FAILED, "SELECT count(*) FROM grants WHERE state = 'CLOSE_FAILED'");
    }

    /** Keeps {@code state} equal to the single number {@code sql} answers. */
    public synchronized StateGauges count(Meters.State state, String sql) {
        counts.put(state, sql);
        return this;
    }

    public Future<Void> start() {
        timer = vertx.setPeriodic(PERIOD.toMillis(), t -> refresh());
        return refresh();
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Something changed: refresh now, or right after the refresh in flight. */
    public void refreshSoon() {
        refresh();
    }

    Future<Void> refresh() {
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return Future.succeededFuture();
        }
        String sql;
        List<Meters.State> order;
        synchronized (this) {
            order = List.copyOf(counts.keySet());
            sql = "SELECT " + String.join(", ", order.stream().map(s -> "(" + counts.get(s) + ")").toList())
                    + ", (SELECT coalesce(json_agg(json_build_array(protocol, name, environment)), '[]'::json) FROM targets)::text";
        }
        long started = System.nanoTime();
        return pool.query(sql).execute().map(rows -> {
            meters.databaseProbe("ok", Duration.ofNanos(System.nanoTime() - started));
            Row row = rows.iterator().next();
            for (int i = 0; i < order.size(); i++) {
                meters.set(order.get(i), row.getLong(i));
            }
            new io.vertx.core.json.JsonArray(row.getString(order.size())).forEach(t -> {
                io.vertx.core.json.JsonArray target = (io.vertx.core.json.JsonArray) t;
                meters.knownTarget(new Meters.SessionKey(target.getString(0), target.getString(1), target.getString(2)));
            });
            return (Void) null;
        }).recover(failure -> {
            meters.databaseProbe("error", Duration.ofNanos(System.nanoTime() - started));
            LOG.warn("state gauges not refreshed: {}", failure.getMessage());
            return Future.succeededFuture();
        }).onComplete(done -> {
            running.set(false);
            if (again.compareAndSet(true, false)) {
                refresh();
            }
        });
    }
}
