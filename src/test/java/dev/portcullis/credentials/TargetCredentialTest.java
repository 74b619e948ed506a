package dev.portcullis.credentials;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetCredentialTest {

    @Test
    void readsMountsRolesAndTemplateWithDefaults() {
        TargetCredential c = TargetCredential.parse(Map.of(
                "ssh", Map.of("role", "vendor"),
                "kv", Map.of("path", "crm/api"),
                "database", Map.of("role", "readonly", "terminate", Map.of("host", "db.internal", "kv", Map.of("path", "db-admin")))));

        assertThat(c.ssh()).contains(new TargetCredential.Ssh("ssh", "vendor"));
        assertThat(c.kv()).contains(new TargetCredential.Kv("secret", "crm/api", "Authorization", "Bearer {{token}}"));
        TargetCredential.Database db = c.database().orElseThrow();
        assertThat(db.mount()).isEqualTo("database");
        assertThat(db.terminate()).contains(new TargetCredential.Terminate("db.internal", 5432, "postgres", "secret", "db-admin"));
    }

    @Test
    void anEmptyBlockOrOtherSourcesKeysAskNothingOfVault() {
        TargetCredential c = TargetCredential.parse(Map.of("local", "crm-api"));
        assertThat(c.ssh()).isEmpty();
        assertThat(c.kv()).isEmpty();
        assertThat(c.database()).isEmpty();
    }

    @Test
    void rendersEveryPlaceholderFromTheSecret() {
        TargetCredential.Kv kv = new TargetCredential.Kv("secret", "x", "X-Api", "{{user}}:{{ token }}");
        assertThat(kv.render(Map.of("user", "svc", "token", "t$1\\"))).contains("svc:t$1\\");
        assertThat(kv.render(Map.of("user", "svc"))).isEmpty();
    }

    @Test
    void badBlocksAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("ssh", "vendor")))
                .hasMessageContaining("credential.ssh must be an object");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("ssh", Map.of("mount", "ssh"))))
                .hasMessageContaining("credential.ssh.role");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("kv", Map.of("path", "../etc"))))
                .hasMessageContaining("credential.kv.path");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("kv", Map.of("path", "a", "template", "Bearer static"))))
                .hasMessageContaining("placeholder");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("kv", Map.of("path", "a", "header", "Bad Header"))))
                .hasMessageContaining("credential.kv.header");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("database", Map.of("role", "r", "terminate", Map.of("host", "h")))))
                .hasMessageContaining("terminate.kv");
        assertThatThrownBy(() -> TargetCredential.parse(Map.of("database", Map.of("role", "r", "mount", "a/b"))))
                .hasMessageContaining("credential.database.mount");
    }
}
