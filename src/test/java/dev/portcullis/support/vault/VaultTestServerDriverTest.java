package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.HealthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.response.LookupResponse;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real vault-java-driver 6.2.1 against the test server, used the way CONTRACT.md says it must
 * be: engine version 1 for ssh, sys and database; a separate KV v2 client; the driver's own
 * JsonObject for maps; open and read timeouts; body-form lease calls. The wrong ways fail here as
 * they fail against Vault.
 */
class VaultTestServerDriverTest {

    private static final int TIMEOUT_SECONDS = 5;
    private static final long AWAIT_SECONDS = 30;

    private static PasswordCheckingPostgres postgres;
    private static VaultTestServer vault;
    private static AppRoleCredentials broker;

    @BeforeAll
    static void start() {
        postgres = PasswordCheckingPostgres.start();
        vault = VaultTestServer.start(null, VaultTestServer.Options.defaults()
                .withDatabase(postgres.jdbcUrl(), PasswordCheckingPostgres.SUPERUSER, ""));
        vault.sshRole("broker", new SshRole(List.of("root", "deploy"), Map.of("permit-pty", ""), Set.of("permit-pty"),
                Duration.ofHours(1)).withAllowUserKeyIds(true));
        vault.databaseRole("readonly", DatabaseRole.loginRole(Duration.ofMinutes(10), Duration.ofHours(1)));
        vault.policy("portcullis-broker", Policy.empty()
                .allow("ssh/sign/broker", "update")
                .allow("database/creds/+", "read")
                .allow("secret/data/*", "read")
                .allow("sys/leases/revoke", "update"));
        broker = vault.appRole("portcullis-broker", "portcullis-broker");
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

    private static VaultConfig config(String token) throws VaultException {
        // A fresh config per client: the driver's constructors write the engine version into it.
        return new VaultConfig().address(vault.baseUrl()).token(token)
                .openTimeout(TIMEOUT_SECONDS).readTimeout(TIMEOUT_SECONDS).build();
    }

    private static Vault engineV1(String token) throws VaultException {
        return Vault.create(config(token), 1);
    }

    private static Vault kvV2(String token) throws VaultException {
        return Vault.create(config(token), 2);
    }

    private static String login() throws VaultException {
        return engineV1(null).auth().loginByAppRole(broker.roleId(), broker.secretId()).getAuthClientToken();
    }

    @Test
    void appRoleLoginGivesARenewableTokenWithItsPolicies() throws Exception {
        AuthResponse auth = engineV1(null).auth().loginByAppRole(broker.roleId(), broker.secretId());

        assertThat(auth.getAuthClientToken()).startsWith("hvs.");
        assertThat(auth.getAuthPolicies()).containsExactly("default", "portcullis-broker");
        assertThat(auth.isAuthRenewable()).isTrue();
        assertThat(auth.getAuthLeaseDuration()).isEqualTo(3600);
        assertThat(auth.getRenewable()).isFalse();
    }

    @Test
    void appRoleLoginWithAWrongSecretIdIsRefusedWith400() throws Exception {
        assertThatThrownBy(() -> engineV1(null).auth().loginByAppRole(broker.roleId(), "not-the-secret"))
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(((VaultException) e).getHttpStatusCode()).isEqualTo(400))
                .hasMessageContaining("invalid role or secret ID");
    }

    @Test
    void engineVersionOneClientSignsWithTheDriversJsonObjectForExtensions() throws Exception {
        String publicKey = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
        Map<String, Object> request = new HashMap<>();
        request.put("public_key", publicKey);
        request.put("valid_principals", "deploy");
        request.put("ttl", "600s");
        request.put("cert_type", "user");
        request.put("key_id", "session-1 grant-2");
        request.put("extensions", new JsonObject().add("permit-pty", ""));
        request.put("critical_options", new JsonObject());

        LogicalResponse signed = engineV1(login()).logical().write("ssh/sign/broker", request);

        assertThat(signed.getRestResponse().getStatus()).as(body(signed)).isEqualTo(200);
        assertThat(signed.getData().get("signed_key")).startsWith("ssh-ed25519-cert-v01@openssh.com AAAA").endsWith("\n");
        assertThat(signed.getData().get("serial_number")).matches("[0-9a-f]{1,16}");
        IssuedCertificate issued = vault.issuedCertificates().stream()
                .filter(c -> c.serial().equals(signed.getData().get("serial_number"))).findFirst().orElseThrow();
        assertThat(issued.keyId()).isEqualTo("session-1 grant-2");
        assertThat(issued.principals()).containsExactly("deploy");
        assertThat(issued.extensions()).containsExactly(Map.entry("permit-pty", ""));
    }

    @Test
    void aJavaMapForExtensionsIsRefusedAsVaultRefusesTheDriversFlattenedString() throws Exception {
        String publicKey = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
        Map<String, Object> request = new HashMap<>();
        request.put("public_key", publicKey);
        request.put("valid_principals", "deploy");
        request.put("extensions", Map.of("permit-pty", ""));

        LogicalResponse refused = engineV1(login()).logical().write("ssh/sign/broker", request);

        assertThat(refused.getRestResponse().getStatus()).isEqualTo(400);
        assertThat(body(refused)).contains("error converting input {permit-pty=} for field \\\"extensions\\\"");
    }

    @Test
    void theDriversDefaultKvV2PathForSshIsForbiddenOrNotFound() throws Exception {
        Map<String, Object> request = Map.of("public_key", "ssh-ed25519 AAAA", "valid_principals", "deploy");

        // Without an engine version the driver assumes KV v2 and writes to ssh/data/sign/broker:
        // outside the broker's policy, and (for root) a path no engine serves.
        LogicalResponse asBroker = Vault.create(config(login())).logical().write("ssh/sign/broker", request);
        LogicalResponse asRoot = Vault.create(config(vault.rootToken())).logical().write("ssh/sign/broker", request);

        assertThat(asBroker.getRestResponse().getStatus()).isEqualTo(403);
        assertThat(asRoot.getRestResponse().getStatus()).isEqualTo(404);
        assertThat(body(asRoot)).contains("no handler for route \\\"ssh/data/sign/broker\\\"");
    }

    @Test
    void separateKvV2ClientReadsTheLatestVersion() throws Exception {
        vault.kvPut("secret", "targets/billing-api", Map.of("api_key", "first"));
        vault.kvPut("secret", "targets/billing-api", Map.of("api_key", "second"));

        LogicalResponse read = kvV2(login()).logical().read("secret/targets/billing-api");

        assertThat(read.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(read.getData()).containsEntry("api_key", "second");
        assertThat(read.getDataMetadata().getVersion()).isEqualTo(2L);
    }

    @Test
    void kvV2ReadOfAMissingSecretIs404WithAnEmptyErrorList() throws Exception {
        LogicalResponse read = kvV2(login()).logical().read("secret/targets/nothing-here");

        assertThat(read.getRestResponse().getStatus()).isEqualTo(404);
        assertThat(body(read)).isEqualTo("{\"errors\":[]}");
    }

    @Test
    void databaseLeaseRevokedThroughTheDriverIsConfirmedGoneByLookup() throws Exception {
        Vault client = engineV1(login());
        LogicalResponse creds = client.logical().read("database/creds/readonly");
        String leaseId = creds.getLeaseId();
        assertThat(leaseId).startsWith("database/creds/readonly/");
        assertThat(creds.getRenewable()).isTrue();
        assertThat(creds.getLeaseDuration()).isBetween(590L, 600L);
        try (Connection c = postgres.connect(creds.getData().get("username"), creds.getData().get("password"))) {
            assertThat(c.isValid(5)).isTrue();
        }
        LogicalResponse before = client.logical().write("sys/leases/lookup", Map.of("lease_id", leaseId));
        assertThat(before.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(before.getData()).containsEntry("id", leaseId).containsKeys("expire_time", "issue_time", "ttl");

        client.leases().revoke(leaseId);

        LogicalResponse after = client.logical().write("sys/leases/lookup", Map.of("lease_id", leaseId));
        assertThat(after.getRestResponse().getStatus()).isEqualTo(400);
        assertThat(body(after)).isEqualTo("{\"errors\":[\"invalid lease\"]}");
        assertThat(postgres.roleExists(creds.getData().get("username"))).isFalse();
    }

    @Test
    void leaseRenewalWorksInBodyFormAndTheDriversUrlFormIsForbidden() throws Exception {
        Vault client = engineV1(login());
        String leaseId = client.logical().read("database/creds/readonly").getLeaseId();

        LogicalResponse renewed = client.logical().write("sys/leases/renew", Map.of("lease_id", leaseId, "increment", 1800));

        assertThat(renewed.getRestResponse().getStatus()).as(body(renewed)).isEqualTo(200);
        assertThat(renewed.getLeaseId()).isEqualTo(leaseId);
        assertThat(renewed.getLeaseDuration()).isBetween(1790L, 1800L);
        // leases().renew() posts to sys/leases/renew/<id>, which the body-form policy does not cover.
        assertThatThrownBy(() -> client.leases().renew(leaseId, 60))
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(((VaultException) e).getHttpStatusCode()).isEqualTo(403));
        client.leases().revoke(leaseId);
    }

    @Test
    void healthThroughTheDriver() throws Exception {
        HealthResponse health = engineV1(null).debug().health();

        assertThat(health.getInitialized()).isTrue();
        assertThat(health.getSealed()).isFalse();
        assertThat(health.getStandby()).isFalse();
        assertThat(health.getServerTimeUTC()).isPositive();
    }

    @Test
    void tokenLooksItselfUpRenewsAndRevokesItselfAndItsLeases() throws Exception {
        String token = login();
        Vault client = engineV1(token);
        LogicalResponse creds = client.logical().read("database/creds/readonly");
        String username = creds.getData().get("username");

        LookupResponse self = client.auth().lookupSelf();
        assertThat(self.getPolicies()).containsExactly("default", "portcullis-broker");
        assertThat(self.getTTL()).isBetween(3590L, 3600L);
        AuthResponse renewed = client.auth().renewSelf(7200);
        assertThat(renewed.getAuthLeaseDuration()).isBetween(7190L, 7200L);

        client.auth().revokeSelf();

        vault.tokenGone(token).get(AWAIT_SECONDS, TimeUnit.SECONDS);
        assertThatThrownBy(() -> client.auth().lookupSelf())
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(((VaultException) e).getHttpStatusCode()).isEqualTo(403));
        // Vault revokes a token's leases with it.
        vault.leaseRevoked(creds.getLeaseId()).get(AWAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(postgres.roleExists(username)).isFalse();
    }

    @Test
    void aShortLivedTokenIsKeptAliveByRenewalAndExpiresWithoutIt() throws Exception {
        // Seconds, not less: a loaded CI machine must still renew before the first TTL runs out.
        AppRoleCredentials shortLived = vault.appRole("short-lived",
                AppRole.of("portcullis-broker").withTokenTtl(Duration.ofSeconds(4), Duration.ofSeconds(8)));
        AuthResponse auth = engineV1(null).auth().loginByAppRole(shortLived.roleId(), shortLived.secretId());
        assertThat(auth.getAuthLeaseDuration()).isEqualTo(4);
        Vault client = engineV1(auth.getAuthClientToken());

        AuthResponse renewed = client.auth().renewSelf(6);
        assertThat(renewed.getAuthLeaseDuration()).isBetween(5L, 6L);
        AuthResponse capped = client.auth().renewSelf(3600);
        assertThat(capped.getAuthLeaseDuration()).isBetween(1L, 8L);
        assertThat(new String(capped.getRestResponse().getBody(), StandardCharsets.UTF_8)).contains("TTL value is capped accordingly");

        vault.tokenGone(auth.getAuthClientToken()).get(AWAIT_SECONDS, TimeUnit.SECONDS);
        assertThatThrownBy(() -> client.auth().lookupSelf())
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(((VaultException) e).getHttpStatusCode()).isEqualTo(403));
    }

    private static String body(LogicalResponse response) {
        return new String(response.getRestResponse().getBody(), StandardCharsets.UTF_8);
    }
}
