package dev.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** No Docker engine or Vault runs here: the Compose file's Vault wiring is checked against the code and Vault's API instead. */
class VaultComposeFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path SUBSET = Path.of("../shared/vault/vault-openapi-subset.json");
    private static final Pattern POLICY_PATH = Pattern.compile("path\\s+\"([^\"]+)\"");

    @Test
    void theBrokerInComposeTakesItsCredentialsFromTheBootstrappedVault() throws Exception {
        JsonNode compose = YAML.readTree(Files.readString(Path.of("docker/compose.yaml")));
        JsonNode broker = compose.path("services").path("portcullis");
        Map<String, String> env = new HashMap<>();
        broker.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));

        PortcullisConfig.Credentials credentials = ConfigLoader.load(Path.of("docker/portcullis.yaml"), env).credentials();

        assertThat(credentials.usesVault()).isTrue();
        assertThat(credentials.vault().address()).isEqualTo("http://vault:8200");
        assertThat(compose.path("services").path("vault").path("image").asText()).startsWith("hashicorp/vault:");
        String bootstrap = Files.readString(Path.of("docker/vault/bootstrap.sh"));
        assertThat(bootstrap).contains("role_id=" + credentials.vault().roleId());
        assertThat(bootstrap).contains("ssh/roles/" + credentials.vault().sshRole());
        assertThat(bootstrap).contains("enable " + credentials.vault().sshMount() + " ssh");
        // The secret id the bootstrap writes is where the broker reads it, on the volume both mount.
        JsonNode job = compose.path("services").path("vault-bootstrap");
        String out = job.path("environment").path("BOOTSTRAP_OUT").asText();
        assertThat(credentials.vault().secretIdFile()).isEqualTo(out + "/secret-id");
        assertThat(job.path("volumes").toString()).contains("vault-approle:" + out);
        assertThat(broker.path("volumes").toString()).contains("vault-approle:" + out + ":ro");
        assertThat(broker.path("depends_on").path("vault-bootstrap").path("condition").asText())
                .isEqualTo("service_completed_successfully");
        // The database account Vault creates roles with is the one the demo PostgreSQL has.
        assertThat(job.path("environment").path("DB_PASSWORD").asText())
                .isEqualTo(compose.path("services").path("postgres").path("environment").path("POSTGRES_PASSWORD").asText());
    }

    @Test
    void theBootstrapScriptIsValidShell() throws Exception {
        Process check = new ProcessBuilder("sh", "-n", "docker/vault/bootstrap.sh").redirectErrorStream(true).start();
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(check.getInputStream().readAllBytes())).isEmpty();
        assertThat(check.exitValue()).isZero();
    }

    @Test
    void everyPathThePolicyAllowsIsAVaultEndpointTheBrokerUses() throws Exception {
        Assumptions.assumeTrue(Files.exists(SUBSET), "../shared/vault/vault-openapi-subset.json is not beside the checkout");
        List<Pattern> endpoints = new ArrayList<>();
        new ObjectMapper().readTree(Files.readString(SUBSET)).path("paths").fieldNames().forEachRemaining(template ->
                endpoints.add(Pattern.compile(template.substring(1).replaceAll("\\{(path|prefix)}", ".+").replaceAll("\\{[^}]+}", "[^/]+"))));
        List<String> paths = policyPaths();

        assertThat(paths).contains("sys/leases/revoke", "sys/leases/lookup", "auth/token/renew-self");
        for (String path : paths) {
            String concrete = path.replace("*", "x");
            assertThat(endpoints).as("policy path %s", path).anyMatch(e -> e.matcher(concrete).matches());
        }
        // Only the body form of the lease API: no path that would allow revoking by prefix.
        assertThat(paths).noneMatch(p -> p.contains("revoke-prefix") || p.equals("sys/leases/*"));
    }

    static List<String> policyPaths() throws Exception {
        Matcher m = POLICY_PATH.matcher(Files.readString(Path.of("docker/vault/portcullis-policy.hcl")));
        List<String> paths = new ArrayList<>();
        while (m.find()) {
            paths.add(m.group(1));
        }
        return paths;
    }
}
