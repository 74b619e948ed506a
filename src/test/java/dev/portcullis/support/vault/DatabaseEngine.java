package dev.portcullis.support.vault;

import io.vertx.core.json.JsonObject;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database secrets engine's {@code creds/<role>}: a real PostgreSQL login role per read, under
 * a lease {@code <mount>/creds/<role>/<id>} that the {@link LeaseTable} revokes.
 */
final class DatabaseEngine {

    private final Map<String, DatabaseRole> roles = new ConcurrentHashMap<>();
    private final PostgresRoles database;
    private final LeaseTable leases;

    /** {@code database} may be null: then every read of credentials fails as an unconfigured connection would. */
    DatabaseEngine(PostgresRoles database, LeaseTable leases) {
        this.database = database;
        this.leases = leases;
    }

    void role(String name, DatabaseRole role) {
        roles.put(name, role);
    }

    VaultReply creds(VaultCall call) {
        String roleName = call.param("name");
        DatabaseRole role = roles.get(roleName);
        if (role == null) {
            throw VaultError.badRequest("unknown role: " + roleName);
        }
        if (database == null) {
            throw VaultError.badRequest("the test server was started without a database (Options.withDatabase)");
        }
        String username = username(call.token().displayName, roleName, call.now());
        String password = Secrets.base62(20);
        Lease lease = new Lease(call.param("database_mount_path") + "/creds/" + roleName + "/" + Secrets.base62(24),
                role, username, call.token().id, call.now());
        try {
            database.run(role.creationStatements(), username, password, lease.expireTime());
        } catch (SQLException e) {
            // PostgreSQL may quote part of a statement back; never let that carry the password.
            throw VaultError.upstream("failed to create user: " + String.valueOf(e.getMessage()).replace(password, "<redacted>"));
        }
        leases.add(lease);
        JsonObject data = new JsonObject().put("username", username).put("password", password);
        return VaultReply.envelope(data).lease(lease.id, true, lease.ttlSeconds(call.now())).reply(call);
    }

    // Vault's default PostgreSQL username template: v-<display name>-<role>-<random>-<unix time>, at most 63.
    private static String username(String displayName, String roleName, Instant now) {
        String name = "v-" + truncate(displayName, 8) + "-" + truncate(roleName, 8) + "-" + Secrets.base62(20) + "-"
                + now.getEpochSecond();
        return truncate(name, 63);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
