package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.HealthResponse;
import io.vertx.core.json.JsonObject;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each injectable fault, as a client sees it, and recovery once it is switched off. */
class VaultFaultsTest {

    private static VaultTestServer vault;
    private static RawVault http;
    private static String signer;
    private static AppRoleCredentials approle;

    @BeforeAll
    static void start() {
        vault = VaultTestServer.start(null, VaultTestServer.Options.defaults());
        vault.sshRole("broker", new SshRole(List.of("root"), Map.of(), Set.of(), Duration.ofMinutes(30)));
        vault.policy("signer", Policy.empty().allow("ssh/sign/broker", "update"));
        signer = vault.token("signer");
        approle = vault.appRole("broker", "signer");
        http = new RawVault(vault.baseUrl());
    }

    @AfterEach
    void noFaults() {
        vault.faults().clear();
    }

    @AfterAll
    static void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    private static Vault driver(int readTimeoutSeconds) throws VaultException {
        return Vault.create(new VaultConfig().address(vault.baseUrl()).token(signer)
                .openTimeout(2).readTimeout(readTimeoutSeconds).build(), 1);
    }

    private static RawVault.Answer sign() throws Exception {
        String key = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
        return http.post("/v1/ssh/sign/broker", signer, new JsonObject().put("public_key", key).put("valid_principals", "root"));
    }

    @Test
    void sealedVaultAnswers503EverywhereAndHealthSaysSealed() throws Exception {
        vault.faults().seal(true);

        RawVault.Answer health = http.get("/v1/sys/health", null);
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.contentType()).isEqualTo("application/json");
        assertThat(health.json().getBoolean("sealed")).isTrue();
        assertThat(health.json().getBoolean("initialized")).isTrue();
        for (RawVault.Answer answer : List.of(sign(),
                http.post("/v1/auth/approle/login", null, new JsonObject().put("role_id", approle.roleId()).put("secret_id", approle.secretId())),
                http.get("/v1/ssh/public_key", null),
                http.get("/v1/auth/token/lookup-self", vault.rootToken()),
                http.post("/v1/sys/leases/lookup", vault.rootToken(), new JsonObject().put("lease_id", "x")))) {
            assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
            assertThat(answer.body()).isEqualTo("{\"errors\":[\"Vault is sealed\"]}");
        }
        HealthResponse seenByDriver = driver(5).debug().health();
        assertThat(seenByDriver.getSealed()).isTrue();

        vault.faults().seal(false);
        assertThat(sign().status()).isEqualTo(200);
        assertThat(http.get("/v1/sys/health", null).status()).isEqualTo(200);
    }

    @Test
    void standbyAndUninitialisedShowInHealth() throws Exception {
        vault.faults().standby(true);
        RawVault.Answer standby = http.get("/v1/sys/health", null);
        vault.faults().standby(false).uninitialised(true);
        RawVault.Answer uninitialised = http.get("/v1/sys/health", null);
        RawVault.Answer signWhileUninitialised = sign();
        vault.faults().uninitialised(false);
        RawVault.Answer active = http.get("/v1/sys/health", null);

        assertThat(standby.status()).isEqualTo(429);
        assertThat(standby.json().getBoolean("standby")).isTrue();
        assertThat(uninitialised.status()).isEqualTo(501);
        assertThat(uninitialised.json().getBoolean("initialized")).isFalse();
        assertThat(signWhileUninitialised.status()).isEqualTo(503);
        assertThat(active.status()).isEqualTo(200);
        assertThat(active.json().fieldNames()).contains("initialized", "sealed", "standby", "performance_standby",
                "server_time_utc", "version", "cluster_name", "cluster_id");
    }

    @Test
    void slowAnswersTimeOutAClientWithAShortReadTimeout() throws Exception {
        vault.faults().delay(Duration.ofSeconds(3));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(vault.baseUrl() + "/v1/sys/health"))
                .timeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(() -> client.send(health, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThatThrownBy(() -> driver(1).auth().lookupSelf())
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(HttpTimeoutException.class));

        vault.faults().delay(Duration.ZERO);
        assertThat(driver(5).auth().lookupSelf().getPolicies()).contains("signer");
    }

    @Test
    void aDelayForOnePrefixLeavesOtherPathsFast() throws Exception {
        vault.faults().delay(Duration.ofSeconds(3), "ssh/");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest caKey = HttpRequest.newBuilder(URI.create(vault.baseUrl() + "/v1/ssh/public_key"))
                .timeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(() -> client.send(caKey, HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
        assertThat(driver(5).debug().health().getSealed()).isFalse();
    }

    @Test
    void failWith500HitsThePathsWithThePrefixOnlyUntilStopped() throws Exception {
        vault.faults().failWith500("ssh/sign/");

        RawVault.Answer failed = sign();
        RawVault.Answer healthy = http.get("/v1/sys/health", null);
        vault.faults().failWith500Everywhere();
        RawVault.Answer healthFailed = http.get("/v1/sys/health", null);
        vault.faults().stopFailing();

        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("{\"errors\":[\"internal error\"]}");
        assertThat(healthy.status()).isEqualTo(200);
        assertThat(healthFailed.status()).isEqualTo(500);
        assertThat(sign().status()).isEqualTo(200);
    }

    @Test
    void refusedConnectionsThenRecoveryOnTheSamePort() throws Exception {
        int port = vault.port();
        vault.faults().refuseConnections(true);

        assertThatThrownBy(() -> http.get("/v1/sys/health", null)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> driver(2).debug().health())
                .isInstanceOf(VaultException.class)
                .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(ConnectException.class));

        vault.faults().refuseConnections(false);
        assertThat(vault.port()).isEqualTo(port);
        assertThat(http.get("/v1/sys/health", null).status()).isEqualTo(200);
        assertThat(driver(5).debug().health().getSealed()).isFalse();
    }

    @Test
    void pathsOutsideTheTokensPoliciesAre403PermissionDenied() throws Exception {
        vault.policy("reader", Policy.empty()
                .allow("secret/data/*", "read")
                .allow("secret/data/private/*", "deny")
                .allow("database/creds/+", "read"));
        String reader = vault.token("reader");
        vault.kvPut("secret", "public/a", Map.of("k", "v"));
        vault.kvPut("secret", "private/b", Map.of("k", "v"));

        assertThat(http.get("/v1/secret/data/public/a", reader).status()).isEqualTo(200);
        RawVault.Answer denied = http.get("/v1/secret/data/private/b", reader);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("{\"errors\":[\"permission denied\"]}");
        assertThat(http.post("/v1/secret/data/public/a", reader, new JsonObject().put("data", new JsonObject())).status())
                .isEqualTo(403);
        assertThat(sign().status()).isEqualTo(200);
        assertThat(http.post("/v1/ssh/sign/broker", reader, new JsonObject()).status()).isEqualTo(403);
        assertThat(http.post("/v1/sys/leases/revoke", reader, new JsonObject().put("lease_id", "x")).status()).isEqualTo(403);
        // the default policy: every token may look itself up and look up leases
        assertThat(http.get("/v1/auth/token/lookup-self", reader).status()).isEqualTo(200);
        assertThat(http.post("/v1/sys/leases/lookup", reader, new JsonObject().put("lease_id", "x")).status()).isEqualTo(400);
    }

    @Test
    void missingUnknownAndExpiredTokensAre403() throws Exception {
        String shortLived = vault.token(Duration.ofSeconds(3), "signer");

        assertThat(http.get("/v1/auth/token/lookup-self", null).status()).isEqualTo(403);
        assertThat(http.get("/v1/auth/token/lookup-self", "hvs.not-a-token").status()).isEqualTo(403);
        assertThat(http.get("/v1/auth/token/lookup-self", shortLived).status()).isEqualTo(200);
        vault.tokenGone(shortLived).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(http.get("/v1/auth/token/lookup-self", shortLived).status()).isEqualTo(403);
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
