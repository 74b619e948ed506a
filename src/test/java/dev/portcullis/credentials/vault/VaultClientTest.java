package dev.portcullis.credentials.vault;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.HttpCredential;
import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Target;
import dev.portcullis.support.LogCapture;
import dev.portcullis.support.VaultStandIn;
import dev.portcullis.support.vault.AppRole;
import dev.portcullis.support.vault.AppRoleCredentials;
import dev.portcullis.support.vault.ServedRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Vault client on its own against the Vault test server: KV v2 header secrets, token care, failure codes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaultClientTest {

    private static final String API_TOKEN = "crm-token-" + UUID.randomUUID();

    private VaultStandIn vault;
    private Vertx vertx;
    private Path dir;
    private LogCapture logs;

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        vault = VaultStandIn.start();
        vertx = Vertx.vertx();
        dir = Files.createTempDirectory("portcullis-vault-client-");
        vault.vault.kvPut("secret", "portcullis/crm-api", Map.of("token", API_TOKEN, "user", "svc-crm"));
        vault.vault.kvPut("secret", "elsewhere/crm-api", Map.of("token", API_TOKEN));
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() {
        try {
            assertThat(logs.text()).doesNotContain(API_TOKEN).doesNotContain(vault.appRole.secretId());
        } finally {
            logs.close();
            await(vertx.close());
            vault.close();
        }
    }

    @Test
    void rendersTheTargetsKvSecretIntoItsHeaderTemplate() {
        VaultCredentialBroker broker = broker(vault.appRole);

        HttpCredential credential = await(broker.credential(target(Map.of("kv",
                Map.of("mount", "secret", "path", "portcullis/crm-api", "header", "X-Api-Key", "template", "{{user}}:{{token}}"))), null));

        assertThat(credential.headers()).containsExactly(Map.entry("X-Api-Key", "svc-crm:" + API_TOKEN));
        assertThat(credential.reference()).isEqualTo("vault-kv:secret/portcullis/crm-api v1");
        assertThat(credential.toString()).doesNotContain(API_TOKEN);
        // Read through the KV v2 data path, with the engine-version-2 client.
        assertThat(vault.vault.requests()).anyMatch(r -> r.path().equals("/secret/data/portcullis/crm-api") && r.status() == 200);
    }

    @Test
    void aSecretLackingTheTemplatesKeyIsRefusedNotSentHalfFilled() {
        VaultCredentialBroker broker = broker(vault.appRole);

        assertThatThrownBy(() -> await(broker.credential(target(Map.of("kv", Map.of("path", "portcullis/crm-api",
                "template", "Token {{password}}"))), null)))
                .isInstanceOf(CredentialUnavailable.class).hasMessageContaining("lacks a key");
    }

    @Test
    void aSecretOutsideTheBrokersPolicyIsRefused() {
        VaultCredentialBroker broker = broker(vault.appRole);

        assertThatThrownBy(() -> await(broker.credential(target(Map.of("kv", Map.of("path", "elsewhere/crm-api"))), null)))
                .isInstanceOf(CredentialUnavailable.class)
                .satisfies(e -> assertThat(((CredentialUnavailable) e).code()).isEqualTo("vault_refused"));
    }

    @Test
    void aSealedVaultGivesNoHeaderSecret() {
        VaultCredentialBroker broker = broker(vault.appRole);
        vault.vault.faults().seal(true);

        assertThatThrownBy(() -> await(broker.credential(target(Map.of("kv", Map.of("path", "portcullis/crm-api"))), null)))
                .isInstanceOf(CredentialUnavailable.class)
                .satisfies(e -> assertThat(((CredentialUnavailable) e).code()).isEqualTo("vault_sealed"));
    }

    @Test
    void renewsItsAppRoleTokenBeforeItExpires() {
        AppRoleCredentials shortLived = vault.vault.appRole("short-lived",
                AppRole.of("portcullis").withTokenTtl(Duration.ofSeconds(3), Duration.ofHours(1)));
        VaultCredentialBroker broker = broker(shortLived);
        Map<String, Object> kv = Map.of("kv", Map.of("path", "portcullis/crm-api"));
        int before = vault.vault.requests().size();

        await(broker.credential(target(kv), null));
        await(vertx.timer(5000)); // past the first token's lifetime
        HttpCredential later = await(broker.credential(target(kv), null));

        assertThat(later.headers()).containsValue("Bearer " + API_TOKEN);
        List<ServedRequest> served = vault.vault.requests().subList(before, vault.vault.requests().size());
        assertThat(served).filteredOn(r -> r.path().equals("/auth/approle/login")).hasSize(1);
        assertThat(served).anyMatch(r -> r.path().equals("/auth/token/renew-self") && r.status() == 200);
    }

    @Test
    void logsInAgainWhenItsTokenCanNoLongerBeRenewed() {
        AppRoleCredentials capped = vault.vault.appRole("capped",
                AppRole.of("portcullis").withTokenTtl(Duration.ofSeconds(2), Duration.ofSeconds(3)));
        VaultCredentialBroker broker = broker(capped);
        Map<String, Object> kv = Map.of("kv", Map.of("path", "portcullis/crm-api"));
        int before = vault.vault.requests().size();

        await(broker.credential(target(kv), null));
        await(vertx.timer(6000)); // past the token's maximum lifetime
        HttpCredential later = await(broker.credential(target(kv), null));

        assertThat(later.headers()).containsValue("Bearer " + API_TOKEN);
        List<ServedRequest> served = vault.vault.requests().subList(before, vault.vault.requests().size());
        assertThat(served).filteredOn(r -> r.path().equals("/auth/approle/login")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aTokenFromAFileWorksToo() throws Exception {
        Path tokenFile = dir.resolve("vault-token");
        Files.writeString(tokenFile, vault.vault.token("portcullis") + "\n");
        Map<String, String> env = new HashMap<>(vault.brokerEnv(dir));
        env.put("PORTCULLIS_CREDENTIALS_VAULT_AUTH", "token");
        env.put("PORTCULLIS_CREDENTIALS_VAULT_TOKEN_FILE", tokenFile.toString());
        PortcullisConfig.Vault settings = ConfigLoader.load(null, env).credentials().vault();
        VaultCredentialBroker broker = new VaultCredentialBroker(VaultClient.create(vertx, settings, VaultMeter.NONE), settings,
                Clock.systemUTC());

        HttpCredential credential = await(broker.credential(target(Map.of("kv", Map.of("path", "portcullis/crm-api"))), null));

        assertThat(credential.headers()).containsValue("Bearer " + API_TOKEN);
    }

    @Test
    void everyCallIsMeteredWithItsOutcome() {
        List<String> metered = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, String> env = vault.brokerEnv(dir);
        PortcullisConfig.Vault settings = ConfigLoader.load(null, env).credentials().vault();
        VaultCredentialBroker broker = new VaultCredentialBroker(VaultClient.create(vertx, settings,
                (op, outcome, took) -> metered.add(op + ":" + outcome)), settings, Clock.systemUTC());
        Target target = target(Map.of("kv", Map.of("path", "portcullis/crm-api")));

        await(broker.credential(target, null));
        vault.vault.faults().seal(true);
        await(broker.credential(target, null).recover(failure -> Future.succeededFuture()));

        assertThat(metered).containsSubsequence("approle_login:ok", "kv_read:ok", "kv_read:vault_sealed");
    }

    private VaultCredentialBroker broker(AppRoleCredentials appRole) {
        Map<String, String> env = new HashMap<>(vault.brokerEnv(dir.resolve(UUID.randomUUID().toString())));
        env.remove("PORTCULLIS_CREDENTIALS_VAULT_SECRET_ID_FILE");
        env.put("PORTCULLIS_CREDENTIALS_VAULT_ROLE_ID", appRole.roleId());
        env.put("PORTCULLIS_CREDENTIALS_VAULT_SECRET_ID", appRole.secretId());
        PortcullisConfig.Vault settings = ConfigLoader.load(null, env).credentials().vault();
        return new VaultCredentialBroker(VaultClient.create(vertx, settings, VaultMeter.NONE), settings, Clock.systemUTC());
    }

    private static Target target(Map<String, Object> credential) {
        return new Target(UUID.randomUUID(), "crm", Protocol.HTTP, "test", Set.of(), Map.of("baseUrl", "https://crm.example"),
                credential, Instant.now());
    }
}
