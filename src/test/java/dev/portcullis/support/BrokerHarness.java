package dev.portcullis.support;

import dev.portcullis.Broker;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.store.Principals;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.observability.Meters;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The whole broker, started in-process exactly as {@code portcullis serve} starts it: embedded PostgreSQL
 * under a temporary data directory, migrations, bootstrap admin, REST API on a free port. Nothing is mocked.
 */
public final class BrokerHarness implements AutoCloseable {

    private final Vertx vertx;
    private final Meters meters;
    private final Path dataDir;
    private final Map<String, String> env;
    private Broker broker;
    private Api api;

    private BrokerHarness(Meters meters, Path dataDir, Map<String, String> env) {
        this.meters = meters;
        this.vertx = meters.vertx();
        this.dataDir = dataDir;
        this.env = Map.copyOf(env);
    }

    public static BrokerHarness start() {
        try {
            return start(Files.createTempDirectory("portcullis-test"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BrokerHarness start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** {@code env} overrides configuration as PORTCULLIS_* environment variables would. */
    public static BrokerHarness start(Path dataDir, Map<String, String> env) {
        // Each harness has its own registry (and Vert.x built around it): brokers in one JVM never mix their meters.
        BrokerHarness harness = new BrokerHarness(Meters.create(), dataDir, env);
        harness.boot();
        return harness;
    }

    /** API, SSH and HTTP gateways on free loopback ports, ledger lines in the data directory, then {@code env}. */
    public static PortcullisConfig config(Path dataDir, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("PORTCULLIS_API_PORT", "0", "PORTCULLIS_SSH_PORT", "0", "PORTCULLIS_OPS_PORT", "0",
                "PORTCULLIS_SSH_HOST", "127.0.0.1", "PORTCULLIS_HTTP_PORT", "0", "PORTCULLIS_HTTP_HOST", "127.0.0.1",
                "PORTCULLIS_LEDGER_JSON_LINES", dataDir.resolve("ledger.jsonl").toString()));
        all.putAll(env);
        return ConfigLoader.load(null, all).withDataDir(dataDir);
    }

    private void boot() {
        broker = await(Broker.start(vertx, config(dataDir, env), meters).toCompletionStage().toCompletableFuture());
        api = new Api("http://127.0.0.1:" + broker.apiPort() + "/api/v1", adminToken());
    }

    /** Stops the broker (and its embedded PostgreSQL) and starts it again on the same data directory. */
    public void restart() {
        stopBroker();
        boot();
    }

    public void stopBroker() {
        if (broker != null) {
            await(broker.stop().toCompletionStage().toCompletableFuture());
            broker = null;
        }
    }

    public String adminToken() {
        try {
            return Files.readString(dataDir.resolve(Broker.BOOTSTRAP_TOKEN_FILE)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ops listener: {@code http://127.0.0.1:<port>}. */
    public String opsUrl() {
        return "http://127.0.0.1:" + broker.opsPort();
    }

    public Api api() {
        return api;
    }

    public Broker broker() {
        return broker;
    }

    public Vertx vertx() {
        return vertx;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Runs SQL as the database superuser would — for tampering tests and for checking what was stored. */
    public RowSet<Row> sql(String sql, Object... params) {
        return await(broker.database().pool().preparedQuery(sql).execute(Tuple.wrap(params))
                .toCompletionStage().toCompletableFuture());
    }

    /** Presents an attempt to the broker's GrantVerifier, as a gateway would at the point of execution. */
    public Verdict verify(String identity, String target, Action action, UUID presentedGrant, boolean newSession) {
        var pool = broker.database().pool();
        return await(Principals.byName(pool, identity)
                .compose(p -> broker.verifier().verify(new GrantVerifier.Attempt(p.orElseThrow(), target, action, presentedGrant, newSession)))
                .toCompletionStage().toCompletableFuture());
    }

    public Verdict verify(String identity, String target, Action action) {
        return verify(identity, target, action, null, true);
    }

    public long count(String table) {
        return sql("SELECT count(*) AS n FROM " + table).iterator().next().getLong("n");
    }

    /**
     * Starts listening on an event bus address now and returns the first message that matches; call
     * {@link Awaiting#get} after triggering the event, so the event cannot be missed.
     */
    public Awaiting expect(String address, Predicate<JsonObject> matching) {
        CompletableFuture<JsonObject> found = new CompletableFuture<>();
        MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, message -> {
            Object body = message.body();
            JsonObject json = body instanceof JsonObject o ? o : new JsonObject().put("payload", String.valueOf(body));
            if (matching.test(json)) {
                found.complete(json);
            }
        });
        await(consumer.completion().toCompletionStage().toCompletableFuture());
        return new Awaiting(found, consumer);
    }

    public record Awaiting(CompletableFuture<JsonObject> event, MessageConsumer<Object> consumer) {
        public JsonObject get(Duration timeout) {
            try {
                return event.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("the expected event did not arrive within " + timeout, e);
            } finally {
                consumer.unregister();
            }
        }
    }

    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            stopBroker();
        } finally {
            await(vertx.close().toCompletionStage().toCompletableFuture());
        }
    }
}
