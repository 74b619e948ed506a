package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code database/creds} makes real PostgreSQL login roles: they log in with their password only,
 * and once the lease is revoked (on request or at its end) they cannot log in any more and
 * {@code sys/leases/lookup} says "invalid lease". Open connections survive, as with Vault.
 */
class VaultDatabaseCredentialsTest {

    private static final long AWAIT_SECONDS = 30;
    /** PostgreSQL's invalid_password: what a dropped role and a wrong password both get under scram. */
    private static final String INVALID_PASSWORD = "28P01";

    private static PasswordCheckingPostgres postgres;
    private static VaultTestServer vault;
    private static RawVault http;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        postgres = PasswordCheckingPostgres.start();
        postgres.asSuperuser("CREATE TABLE inventory (item text); INSERT INTO inventory VALUES ('widget')");
        vault = VaultTestServer.start(null, VaultTestServer.Options.defaults()
                .withDatabase(postgres.jdbcUrl(), PasswordCheckingPostgres.SUPERUSER, ""));
        vault.databaseRole("readonly", DatabaseRole.loginRole(Duration.ofMinutes(10), Duration.ofMinutes(30),
                "GRANT SELECT ON inventory TO \"{{name}}\";"));
        vault.databaseRole("brief", DatabaseRole.loginRole(Duration.ofSeconds(4), Duration.ofSeconds(10)));
        vault.databaseRole("broken", new DatabaseRole(List.of("CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';",
                "GRANT SELECT ON no_such_table TO \"{{name}}\";"), List.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)));
        vault.databaseRole("unrevokable", new DatabaseRole(List.of(DatabaseRole.LOGIN_ROLE),
                List.of("DROP ROLE \"{{name}}-does-not-exist\";"), Duration.ofMinutes(1), Duration.ofMinutes(1)));
        vault.databaseRole("do-block", new DatabaseRole(List.of(DatabaseRole.LOGIN_ROLE, String.join("\n",
                "DO $$ BEGIN",
                "  EXECUTE format('GRANT SELECT ON inventory TO %I', '{{name}}');",
                "  EXECUTE format('COMMENT ON ROLE %I IS %L', '{{name}}', 'made; by a DO block');",
                "END $$;")), List.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)));
        vault.policy("db", Policy.empty().allow("database/creds/*", "read").allow("sys/leases/revoke", "update"));
        token = vault.token("db");
        http = new RawVault(vault.baseUrl());
    }

    @AfterEach
    void noFaults() {
        vault.faults().clear();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vault != null) {
            vault.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    record Creds(String leaseId, String username, String password, long leaseDuration) {
    }

    private static Creds creds(String role) throws Exception {
        RawVault.Answer answer = http.get("/v1/database/creds/" + role, token);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonObject body = answer.json();
        return new Creds(body.getString("lease_id"), answer.data().getString("username"), answer.data().getString("password"),
                body.getLong("lease_duration"));
    }

    @Test
    void credentialsAreARealLoginRoleThatNeedsItsPassword() throws Exception {
        Creds creds = creds("readonly");

        assertThat(creds.leaseId()).matches("database/creds/readonly/[0-9A-Za-z]{24}");
        assertThat(creds.username()).startsWith("v-token-readonly-");
        assertThat(creds.leaseDuration()).isBetween(590L, 600L);
        try (Connection c = postgres.connect(creds.username(), creds.password()); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT item FROM inventory")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("widget");
        }
        assertLoginRefused(creds.username(), creds.password() + "x");
    }

    @Test
    void afterRevocationTheLoginIsRefusedAndLookupSaysInvalidLease() throws Exception {
        Creds creds = creds("readonly");
        assertThat(lookup(creds.leaseId()).status()).isEqualTo(200);

        RawVault.Answer revoked = http.post("/v1/sys/leases/revoke", token, new JsonObject().put("lease_id", creds.leaseId()));

        assertThat(revoked.status()).isEqualTo(204);
        assertThat(revoked.body()).isEmpty();
        assertLoginRefused(creds.username(), creds.password());
        assertThat(postgres.roleExists(creds.username())).isFalse();
        RawVault.Answer lookup = lookup(creds.leaseId());
        assertThat(lookup.status()).isEqualTo(400);
        assertThat(lookup.body()).isEqualTo("{\"errors\":[\"invalid lease\"]}");
        assertThat(vault.leases()).noneMatch(l -> l.id().equals(creds.leaseId()));
    }

    @Test
    void revocationLeavesTheRolesOpenConnectionsAliveAsVaultDoes() throws Exception {
        Creds creds = creds("readonly");
        try (Connection open = postgres.connect(creds.username(), creds.password())) {
            http.post("/v1/sys/leases/revoke", token, new JsonObject().put("lease_id", creds.leaseId()));
            assertThat(postgres.roleExists(creds.username())).isFalse();

            try (Statement s = open.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void aLyingRevokeAnswers204ButTheRoleAndTheLeaseStayAlive() throws Exception {
        Creds creds = creds("readonly");
        vault.faults().lyingRevoke(true);

        RawVault.Answer revoked = http.post("/v1/sys/leases/revoke", token, new JsonObject().put("lease_id", creds.leaseId()));

        assertThat(revoked.status()).isEqualTo(204);
        try (Connection c = postgres.connect(creds.username(), creds.password())) {
            assertThat(c.isValid(5)).isTrue();
        }
        RawVault.Answer lookup = lookup(creds.leaseId());
        assertThat(lookup.status()).isEqualTo(200);
        assertThat(lookup.data().getString("id")).isEqualTo(creds.leaseId());

        vault.faults().lyingRevoke(false);
        assertThat(http.post("/v1/sys/leases/revoke", token, new JsonObject().put("lease_id", creds.leaseId())).status()).isEqualTo(204);
        assertLoginRefused(creds.username(), creds.password());
    }

    @Test
    void aLeasePastItsTtlIsRevokedByTheServer() throws Exception {
        Creds creds = creds("brief");
        assertThat(creds.leaseDuration()).isBetween(3L, 4L);
        try (Connection c = postgres.connect(creds.username(), creds.password())) {
            assertThat(c.isValid(5)).isTrue();
        }

        vault.leaseRevoked(creds.leaseId()).get(AWAIT_SECONDS, TimeUnit.SECONDS);

        assertLoginRefused(creds.username(), creds.password());
        assertThat(lookup(creds.leaseId()).body()).isEqualTo("{\"errors\":[\"invalid lease\"]}");
    }

    @Test
    void renewalExtendsTheLeaseAndTheRolesValidityUpToTheMaximum() throws Exception {
        Creds creds = creds("readonly");

        RawVault.Answer renewed = http.post("/v1/sys/leases/renew", token,
                new JsonObject().put("lease_id", creds.leaseId()).put("increment", "20m"));
        RawVault.Answer capped = http.post("/v1/sys/leases/renew", token,
                new JsonObject().put("lease_id", creds.leaseId()).put("increment", 7200));

        assertThat(renewed.status()).as(renewed.toString()).isEqualTo(200);
        assertThat(renewed.json().getString("lease_id")).isEqualTo(creds.leaseId());
        assertThat(renewed.json().getBoolean("renewable")).isTrue();
        assertThat(renewed.json().getLong("lease_duration")).isBetween(1190L, 1200L);
        assertThat(capped.json().getLong("lease_duration")).isBetween(1790L, 1800L);
        assertThat(capped.json().getJsonArray("warnings").getString(0)).contains("TTL value is capped accordingly");
        Instant expire = Instant.parse(lookup(creds.leaseId()).data().getString("expire_time"));
        assertThat(lookup(creds.leaseId()).data().getString("last_renewal")).isNotNull();
        try (Connection c = postgres.connect(PasswordCheckingPostgres.SUPERUSER, "");
                var s = c.prepareStatement("SELECT rolvaliduntil FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, creds.username());
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getTimestamp(1).toInstant()).isEqualTo(expire.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            }
        }
        RawVault.Answer unknown = http.post("/v1/sys/leases/renew", token, new JsonObject().put("lease_id", "database/creds/readonly/nope"));
        assertThat(unknown.status()).isEqualTo(400);
    }

    @Test
    void revokeWithoutSyncAnswers202AndRevokesInTheBackground() throws Exception {
        Creds creds = creds("readonly");

        RawVault.Answer accepted = http.post("/v1/sys/leases/revoke", token,
                new JsonObject().put("lease_id", creds.leaseId()).put("sync", false));

        assertThat(accepted.status()).isEqualTo(202);
        vault.leaseRevoked(creds.leaseId()).get(AWAIT_SECONDS, TimeUnit.SECONDS);
        assertLoginRefused(creds.username(), creds.password());
    }

    @Test
    void revokingAnUnknownLeaseIsIdempotent204() throws Exception {
        RawVault.Answer answer = http.post("/v1/sys/leases/revoke", token,
                new JsonObject().put("lease_id", "database/creds/readonly/never-issued"));
        RawVault.Answer missing = http.post("/v1/sys/leases/revoke", token, new JsonObject());

        assertThat(answer.status()).isEqualTo(204);
        assertThat(missing.status()).isEqualTo(400);
    }

    @Test
    void aFailingCreationStatementIs502AndLeavesNoLeaseNorRole() throws Exception {
        int before = vault.leases().size();

        RawVault.Answer answer = http.get("/v1/database/creds/broken", token);

        assertThat(answer.status()).isEqualTo(502);
        assertThat(answer.json().getJsonArray("errors").getString(0)).contains("no_such_table");
        assertThat(vault.leases()).hasSize(before);
    }

    @Test
    void aFailingRevocationIs502AndKeepsTheLease() throws Exception {
        Creds creds = creds("unrevokable");

        RawVault.Answer answer = http.post("/v1/sys/leases/revoke", token, new JsonObject().put("lease_id", creds.leaseId()));

        assertThat(answer.status()).isEqualTo(502);
        assertThat(lookup(creds.leaseId()).status()).isEqualTo(200);
        assertThat(postgres.roleExists(creds.username())).isTrue();
    }

    @Test
    void aStatementWithEndRunsWholeAsInVault() throws Exception {
        Creds creds = creds("do-block");

        try (Connection c = postgres.connect(creds.username(), creds.password()); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM inventory")) {
            assertThat(rs.next()).isTrue();
        }
    }

    @Test
    void anUnknownRoleIs400() throws Exception {
        RawVault.Answer answer = http.get("/v1/database/creds/nobody", token);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).isEqualTo("{\"errors\":[\"unknown role: nobody\"]}");
    }

    private static RawVault.Answer lookup(String leaseId) throws Exception {
        return http.post("/v1/sys/leases/lookup", token, new JsonObject().put("lease_id", leaseId));
    }

    private static void assertLoginRefused(String user, String password) {
        assertThatThrownBy(() -> postgres.connect(user, password).close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(INVALID_PASSWORD));
    }
}
