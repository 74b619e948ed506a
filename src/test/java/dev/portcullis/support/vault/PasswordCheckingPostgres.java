package dev.portcullis.support.vault;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * An embedded PostgreSQL (zonky, as the broker's own) whose {@code pg_hba.conf} checks the password
 * of every role but the superuser {@code postgres}: zonky's default is {@code trust}, under which a
 * wrong password would log in and a credential test would prove nothing.
 */
public final class PasswordCheckingPostgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";

    private static final String HBA = String.join("\n",
            "# written by PasswordCheckingPostgres: the superuser is trusted, every other role needs its password",
            "local all all trust",
            "host all " + SUPERUSER + " 127.0.0.1/32 trust",
            "host all " + SUPERUSER + " ::1/128 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "");

    private final EmbeddedPostgres postgres;
    private final Path dataDir;

    private PasswordCheckingPostgres(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /** Blocking: initialises and starts a server in a fresh temporary directory. */
    public static PasswordCheckingPostgres start() {
        try {
            Path dataDir = Files.createTempDirectory("vault-test-pg-");
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .start();
            PasswordCheckingPostgres server = new PasswordCheckingPostgres(pg, dataDir);
            Files.writeString(dataDir.resolve("pg_hba.conf"), HBA);
            server.asSuperuser("SELECT pg_reload_conf()");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reload the embedded PostgreSQL's pg_hba.conf", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
    }

    /** Logs in as {@code user} with {@code password} over TCP, so that pg_hba.conf's password check applies. */
    public Connection connect(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    public void asSuperuser(String sql) throws SQLException {
        try (Connection c = connect(SUPERUSER, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Whether a role of this name exists. */
    public boolean roleExists(String name) throws SQLException {
        try (Connection c = connect(SUPERUSER, "");
                var s = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, name);
            try (var rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
        if (Files.notExists(dataDir)) {
            return; // zonky removes a data directory it was told to clean
        }
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
