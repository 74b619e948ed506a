package dev.portcullis.support.vault;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Runs a database role's statements in the real PostgreSQL, as Vault's PostgreSQL plugin does:
 * each entry split at {@code ;} (unless it is a {@link #multiline} block), the pieces run in one
 * transaction after their templates are filled in. Blocking (JDBC): called on the server's worker pool only.
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

    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");
    private static final Pattern END = Pattern.compile("\\bEND\\b", Pattern.CASE_INSENSITIVE);

    /**
     * Vault's {@code containsMultilineStatement}: an entry with the word END outside quotes (a DO
     * block, a function body) is run as it is, not split at {@code ;}.
     */
    static boolean multiline(String entry) {
        return END.matcher(QUOTED.matcher(entry).replaceAll("")).find();
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
                    for (String piece : multiline(entry) ? new String[] {entry} : entry.split(";")) {
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
