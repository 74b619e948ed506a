package dev.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** No Docker engine runs here, so the container's configuration is checked against the code instead. */
class DockerFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theImagesConfigurationAndTheComposeEnvironmentLoad() throws Exception {
        JsonNode compose = YAML.readTree(Files.readString(Path.of("docker/compose.yaml")));
        Map<String, String> env = new HashMap<>();
        compose.path("services").path("portcullis").path("environment").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        assertThat(env).isNotEmpty();

        PortcullisConfig config = ConfigLoader.load(Path.of("docker/portcullis.yaml"), env);

        assertThat(config.database().embedded()).isFalse();
        assertThat(config.database().password()).isEqualTo(env.get("PORTCULLIS_DATABASE_PASSWORD"));
        assertThat(config.node()).isEqualTo("portcullis-1");
        assertThat(config.api().host()).isEqualTo("0.0.0.0");
        JsonNode ports = compose.path("services").path("portcullis").path("ports");
        assertThat(ports.get(0).asText()).endsWith(":" + config.api().port());
        assertThat(ports.get(1).asText()).endsWith(":" + config.ssh().port());
        assertThat(config.ssh().host()).isEqualTo("0.0.0.0");
        assertThat(ports.get(2).asText()).endsWith(":" + config.http().port());
        assertThat(config.http().host()).isEqualTo("0.0.0.0");
        // The database URL names the Compose service and the database it creates.
        JsonNode postgres = compose.path("services").path("postgres").path("environment");
        assertThat(config.database().url()).contains("//postgres:5432/" + postgres.path("POSTGRES_DB").asText());
        assertThat(config.database().user()).isEqualTo(postgres.path("POSTGRES_USER").asText());
    }

    @Test
    void theDockerfileCopiesWhatTheConfigurationReferences() throws Exception {
        String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
        PortcullisConfig config = ConfigLoader.load(Path.of("docker/portcullis.yaml"), Map.of());
        assertThat(dockerfile).contains("COPY config/policies.yaml " + config.policies());
        assertThat(dockerfile).contains("VOLUME " + config.dataDir());
        assertThat(dockerfile).contains("EXPOSE " + config.api().port() + " " + config.ssh().port() + " " + config.http().port());
    }
}
