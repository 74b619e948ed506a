package dev.portcullis.support;

import dev.portcullis.support.vault.AppRoleCredentials;
import dev.portcullis.support.vault.DatabaseRole;
import dev.portcullis.support.vault.PasswordCheckingPostgres;
import dev.portcullis.support.vault.Policy;
import dev.portcullis.support.vault.SshRole;
import dev.portcullis.support.vault.VaultTestServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Vault for the broker, set up as {@code docker/vault/bootstrap.sh} sets up a real one — the same policy file,
 * SSH role, database role statements and AppRole — in front of its own password-checking PostgreSQL (the
 * customer's database the dynamic credentials are for). The broker logs in by AppRole with a secret id file.
 */
public final class VaultStandIn implements AutoCloseable {

    public static final String SSH_ROLE = "portcullis";
    public static final String DATABASE_ROLE = "readonly";
    public static final String ADMIN_SECRET = "portcullis/db-admin";
    private static final Path BOOTSTRAP = Path.of("docker/vault");

    public final PasswordCheckingPostgres database;
    public final VaultTestServer vault;
    public final AppRoleCredentials appRole;

    private VaultStandIn(PasswordCheckingPostgres database, VaultTestServer vault, AppRoleCredentials appRole) {
        this.database = database;
        this.vault = vault;
        this.appRole = appRole;
    }

    public static VaultStandIn start() {
        PasswordCheckingPostgres database = PasswordCheckingPostgres.start();
        try {
            VaultTestServer vault = VaultTestServer.start(VaultTestServer.Options.defaults()
                    .withDatabase(database.jdbcUrl(), PasswordCheckingPostgres.SUPERUSER, ""));
            vault.policy("portcullis", Policy.parseHcl(readText(BOOTSTRAP.resolve("portcullis-policy.hcl"))));
            vault.sshRole(SSH_ROLE, new SshRole(List.of("*"), Map.of(), Set.of("permit-pty", "permit-port-forwarding"),
                    Duration.ofHours(12)).withAllowUserKeyIds(true));
            vault.databaseRole(DATABASE_ROLE, new DatabaseRole(List.of(read("readonly-creation.sql")), List.of(read("readonly-revocation.sql")),
                    Duration.ofHours(1), Duration.ofHours(12)));
            vault.kvPut("secret", ADMIN_SECRET, Map.of("username", PasswordCheckingPostgres.SUPERUSER, "password", ""));
            return new VaultStandIn(database, vault, vault.appRole("portcullis", "portcullis"));
        } catch (RuntimeException e) {
            try {
                database.close();
            } catch (IOException ignored) {
                // the failure above is the one to report
            }
            throw e;
        }
    }

    /** Broker configuration to use this Vault; the secret id is handed over in a file readable only by its owner. */
    public Map<String, String> brokerEnv(Path dir) {
        try {
            Files.createDirectories(dir);
            Path secretId = dir.resolve("vault-secret-id");
            Files.deleteIfExists(secretId);
            Files.createFile(secretId, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secretId, appRole.secretId() + "\n");
            Map<String, String> env = new HashMap<>();
            env.put("PORTCULLIS_CREDENTIALS_BROKER", "vault");
            env.put("PORTCULLIS_CREDENTIALS_VAULT_ADDRESS", vault.baseUrl());
            env.put("PORTCULLIS_CREDENTIALS_VAULT_AUTH", "approle");
            env.put("PORTCULLIS_CREDENTIALS_VAULT_ROLE_ID", appRole.roleId());
            env.put("PORTCULLIS_CREDENTIALS_VAULT_SECRET_ID_FILE", secretId.toString());
            env.put("PORTCULLIS_CREDENTIALS_VAULT_SSH_ROLE", SSH_ROLE);
            env.put("PORTCULLIS_CREDENTIALS_VAULT_OPEN_TIMEOUT_SECONDS", "2");
            env.put("PORTCULLIS_CREDENTIALS_VAULT_READ_TIMEOUT_SECONDS", "5");
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The credential block of a target whose database credentials come from this Vault, connections ended by the admin login. */
    public Map<String, Object> databaseCredentialBlock() {
        return Map.of("database", Map.of("mount", "database", "role", DATABASE_ROLE,
                "terminate", Map.of("host", "127.0.0.1", "port", database.port(), "database", "postgres",
                        "kv", Map.of("mount", "secret", "path", ADMIN_SECRET))));
    }

    private static String read(String file) {
        return readText(BOOTSTRAP.resolve(file)).trim();
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            vault.close();
        } finally {
            try {
                database.close();
            } catch (IOException ignored) {
                // temporary files only
            }
        }
    }
}
