package dev.portcullis.support.vault;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs a database role's statements in the real PostgreSQL, as Vault's PostgreSQL plugin does:
 * each entry split at {@code ;}, the pieces run in one transaction after their templates are filled
 * in. Blocking (JDBC): called on the server's worker pool only.
 */
final class PostgresRoles {

    private final String jdbcUrl;
    private final Properties login = new Properties();

    PostgresRoles(String jdbcUrl, String adminUser, String adminPassword) {
        this.jdbcUrl = jdbcUrl;
        login.setProperty("user", adminUser);
        if (adminPassword != null) {
            login.setProperty("password", adminPassword);
        }
        login.setProperty("connectTimeout", "10");
        login.setProperty("socketTimeout", "30");
        login.setProperty("ApplicationName", "vault-test-server");
    }

    void run(List<String> statements, String username, String password, Instant expiration) throws SQLException {
        Map<String, String> values = Map.of(
                "{{name}}", username,
                "{{username}}", username,
                "{{password}}", password == null ? "" : password,
                "{{expiration}}", Times.sqlExpiration(expiration));
        try (Connection c = DriverManager.getConnection(jdbcUrl, login)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String entry : statements) {
                    for (String piece : entry.split(";")) {
                        String query = piece.trim();
                        if (query.isEmpty()) {
                            continue;
                        }
                        for (Map.Entry<String, String> v : values.entrySet()) {
                            query = query.replace(v.getKey(), v.getValue());
                        }
                        s.execute(query);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
