package dev.portcullis.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code webhooks:} list: read from a file or the environment, every mistake named, the secret never shown. */
class WebhookConfigTest {

    @TempDir
    Path dir;

    private PortcullisConfig load(String yaml) throws Exception {
        Path file = dir.resolve("portcullis.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of());
    }

    @Test
    void noWebhooksByDefault() {
        assertThat(ConfigLoader.load(null, Map.of()).webhooks()).isEmpty();
        assertThat(ConfigLoader.load(null, Map.of()).ops()).isEqualTo(new PortcullisConfig.Ops(true, "127.0.0.1", 9464));
    }

    @Test
    void webhooksComeFromTheFileWithTheSecretFromASecretFile() throws Exception {
        Path secret = dir.resolve("hook.secret");
        Files.writeString(secret, "0123456789abcdef-from-a-file\n");
        PortcullisConfig config = load("""
                webhooks:
                  - url: https://chat.example/hooks/T000/B000/XXXX
                    secretFile: %s
                    events: [request.filed, "breakglass.*"]
                  - url: http://ticketing.internal:8081/portcullis
                    secret: an-inline-secret-16+
                """.formatted(secret));

        assertThat(config.webhooks()).hasSize(2);
        assertThat(config.webhooks().get(0).secret()).isEqualTo("0123456789abcdef-from-a-file");
        assertThat(config.webhooks().get(0).events()).containsExactly("request.filed", "breakglass.*");
        assertThat(config.webhooks().get(1).events()).contains("request.filed", "request.denied", "grant.close_failed");
        // neither the secret nor the URL's path (chat services keep their own secret there) is ever printed
        assertThat(config.webhooks().get(0).toString()).doesNotContain("0123456789abcdef").doesNotContain("T000")
                .contains("https://chat.example");
    }

    @Test
    void webhooksComeFromTheEnvironmentAsJson() {
        PortcullisConfig config = ConfigLoader.load(null, Map.of("PORTCULLIS_WEBHOOKS",
                "[{\"url\": \"https://hooks.example/p\", \"secret\": \"sixteen-chars-or-more\"}]"));
        assertThat(config.webhooks()).singleElement().extracting(PortcullisConfig.Webhook::url).isEqualTo("https://hooks.example/p");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_WEBHOOKS", "{\"url\": 1}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PORTCULLIS_WEBHOOKS must be a list");
    }

    @Test
    void mistakesAreNamedAndTheSecretIsNeverEchoed() {
        List.of(
                List.of("webhooks: [{url: 'ftp://x/y', secret: 'long-enough-secret-1'}]", "webhooks[0].url must be an http(s) URL"),
                List.of("webhooks: [{url: 'https://x/y'}]", "webhooks[0] needs exactly one of secret and secretFile"),
                List.of("webhooks: [{url: 'https://x/y', secret: 'long-enough-secret-1', secretFile: '/x'}]", "exactly one of"),
                List.of("webhooks: [{url: 'https://x/y', secret: 'short-one'}]", "at least 16 characters, it has 9"),
                List.of("webhooks: [{url: 'https://x/y', secret: 'long-enough-secret-1', events: []}]", "events must be a non-empty list"),
                List.of("webhooks: [{url: 'https://x/y', secret: 'long-enough-secret-1', retries: 3}]", "unknown configuration key 'webhooks[0].retries'"),
                List.of("webhooks: {url: 'https://x/y'}", "webhooks must be a list"),
                List.of("webhooks: [{url: 'https://x/y', secretFile: '/nonexistent/secret'}]", "webhooks[0].secretFile cannot be read"),
                List.of("ops: {port: 70000}", "ops.port must be between 0 and 65535")
        ).forEach(c -> assertThatThrownBy(() -> load(c.get(0))).as(c.get(0))
                .isInstanceOf(ConfigException.class).hasMessageContaining(c.get(1))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-one").doesNotContain("long-enough-secret")));
    }
}
