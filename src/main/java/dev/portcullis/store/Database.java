package dev.portcullis.store;

import dev.portcullis.config.PortcullisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;

import java.net.URI;

/**
 * The broker's PostgreSQL: embedded or external, migrated by Flyway (JDBC, on a worker pool — never on
 * an event loop) before the reactive pool is opened.
 */
public final class Database {

    private final Pool pool;
    private final PgConnectOptions connectOptions;
    private final EmbeddedDatabase embedded;

    private Database(Pool pool, PgConnectOptions connectOptions, EmbeddedDatabase embedded) {
        this.pool = pool;
        this.connectOptions = connectOptions;
        this.embedded = embedded;
    }

    public static Future<Database> open(Vertx vertx, PortcullisConfig config) {
        WorkerExecutor worker = vertx.createSharedWorkerExecutor("portcullis-database-setup", 1);
        PortcullisConfig.Database db = config.database();
        return worker.<Database>executeBlocking(() -> {
            EmbeddedDatabase embedded = null;
            PgConnectOptions options;
            if (db.embedded()) {
                embedded = EmbeddedDatabase.start(config.dataDir(), db.embeddedPort());
                options = new PgConnectOptions().setHost("127.0.0.1").setPort(embedded.port())
                        .setDatabase("postgres").setUser("postgres").setPassword("postgres");
            } else {
                options = fromUrl(db.url()).setUser(db.user()).setPassword(db.password());
            }
            try {
                migrate(options);
            } catch (RuntimeException e) {
                if (embedded != null) {
                    embedded.close();
                }
                throw e;
            }
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(db.poolSize()))
                    .connectingTo(options).using(vertx).build();
            return new Database(pool, options, embedded);
        }).andThen(done -> worker.close());
    }

    static PgConnectOptions fromUrl(String url) {
        URI uri = URI.create(url.startsWith("jdbc:") ? url.substring(5) : url);
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("database.url must look like postgresql://host:5432/database, got " + url);
        }
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "portcullis" : uri.getPath().substring(1);
        return new PgConnectOptions().setHost(uri.getHost()).setPort(uri.getPort() > 0 ? uri.getPort() : 5432)
                .setDatabase(database);
    }

    private static void migrate(PgConnectOptions options) {
        Flyway.configure()
                .dataSource("jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase(),
                        options.getUser(), options.getPassword())
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    public Pool pool() {
        return pool;
    }

    public PgConnectOptions connectOptions() {
        return connectOptions;
    }

    /** Closes the pool and, for the embedded server, stops PostgreSQL (on a worker thread). */
    public Future<Void> closeAsync(Vertx vertx) {
        return pool.close().compose(v -> embedded == null ? Future.succeededFuture()
                : vertx.executeBlocking(() -> {
                    embedded.close();
                    return null;
                }));
    }
}
