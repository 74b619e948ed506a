package dev.portcullis.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsConfigTest {

    @Test
    void theLocalBrokerIsTheDefault() {
        PortcullisConfig.Credentials c = ConfigLoader.load(null, Map.of()).credentials();
        assertThat(c.usesVault()).isFalse();
        assertThat(c.vault().openTimeoutSeconds()).isPositive();
        assertThat(c.vault().readTimeoutSeconds()).isPositive();
    }

    @Test
    void vaultByAppRoleFromTheEnvironment() {
        PortcullisConfig.Credentials c = ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_BROKER", "vault",
                "PORTCULLIS_CREDENTIALS_VAULT_ADDRESS", "https://vault.internal:8200", "PORTCULLIS_CREDENTIALS_VAULT_ROLE_ID", "r",
                "PORTCULLIS_CREDENTIALS_VAULT_SECRET_ID_FILE", "/run/secret-id", "PORTCULLIS_CREDENTIALS_VAULT_READ_TIMEOUT_SECONDS", "2"))
                .credentials();
        assertThat(c.usesVault()).isTrue();
        assertThat(c.vault().secretIdFile()).isEqualTo("/run/secret-id");
        assertThat(c.vault().readTimeoutSeconds()).isEqualTo(2);
    }

    @Test
    void incompleteVaultSettingsAreStartUpErrors() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_BROKER", "vault")))
                .hasMessageContaining("credentials.vault.address");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_BROKER", "vault",
                "PORTCULLIS_CREDENTIALS_VAULT_ADDRESS", "http://v:8200", "PORTCULLIS_CREDENTIALS_VAULT_ROLE_ID", "r")))
                .hasMessageContaining("exactly one of secretId, secretIdFile");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_BROKER", "hsm")))
                .hasMessageContaining("local or vault");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_VAULT_OPEN_TIMEOUT_SECONDS", "0")))
                .hasMessageContaining("openTimeoutSeconds");
        Path file = Files.createTempFile("portcullis", ".yaml");
        Files.writeString(file, "credentials:\n  vault:\n    adress: http://typo\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of())).hasMessageContaining("credentials.vault.adress");
    }

    @Test
    void theSecretIdNeverShowsInTheConfigurationsText() {
        PortcullisConfig config = ConfigLoader.load(null, Map.of("PORTCULLIS_CREDENTIALS_BROKER", "vault",
                "PORTCULLIS_CREDENTIALS_VAULT_ADDRESS", "http://v:8200", "PORTCULLIS_CREDENTIALS_VAULT_ROLE_ID", "r",
                "PORTCULLIS_CREDENTIALS_VAULT_SECRET_ID", "s3cr3t-secret-id"));
        assertThat(config.toString()).doesNotContain("s3cr3t-secret-id");
    }
}
