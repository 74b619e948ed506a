package dev.portcullis.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("portcullis.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static PortcullisConfig defaults() {
        return ConfigLoader.load(null, Map.of());
    }

    // --- defaults ---

    @Test
    void defaultsLoadFromTheBuiltInFile() {
        PortcullisConfig config = defaults();

        assertThat(config.dataDir()).isEqualTo(Path.of("data").toAbsolutePath().normalize());
        assertThat(config.node()).isNotBlank();
        assertThat(config.api()).isEqualTo(new PortcullisConfig.Api("127.0.0.1", 8080, 65536));
        assertThat(config.database()).isEqualTo(new PortcullisConfig.Database("", "portcullis", "", 8, 0));
        assertThat(config.database().embedded()).isTrue();
        assertThat(config.policies()).isEmpty();
        assertThat(config.ledger()).isEqualTo(new PortcullisConfig.Ledger("stdout", 300));
    }

    @Test
    void httpGatewayDefaultsToTlsOnItsOwnPortAndItsKeysLoadFromTheEnvironment() {
        PortcullisConfig.Http http = defaults().http();
        assertThat(http).isEqualTo(new PortcullisConfig.Http(true, "127.0.0.1", 8443, true, "", "", "", "x-forwarded", "",
                60, 10, 10, 16384, 8192, 0));
        PortcullisConfig changed = ConfigLoader.load(null, Map.of("PORTCULLIS_HTTP_TLS", "false", "PORTCULLIS_HTTP_FORWARDED", "both",
                "PORTCULLIS_HTTP_HEADER_TIMEOUT_SECONDS", "3"));
        assertThat(changed.http().tls()).isFalse();
        assertThat(changed.http().forwarded()).isEqualTo("both");
        assertThat(changed.http().headerTimeoutSeconds()).isEqualTo(3);
    }

    @Test
    void sshGatewayOffersVendorsAesGcmOnlyUnlessConfiguredOtherwise() {
        assertThat(defaults().ssh()).isEqualTo(new PortcullisConfig.Ssh(true, "127.0.0.1", 2222,
                java.util.List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")));
        PortcullisConfig older = ConfigLoader.load(null, Map.of("PORTCULLIS_SSH_CIPHERS", " aes128-gcm@openssh.com, aes128-ctr,aes128-ctr "));
        assertThat(older.ssh().ciphers()).containsExactly("aes128-gcm@openssh.com", "aes128-ctr");
    }

    @Test
    void sshGatewayRefusesACipherItCannotOfferAndAnEmptyList() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_SSH_CIPHERS", "chacha20-poly1305@openssh.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssh.ciphers: 'chacha20-poly1305@openssh.com' is not one of aes128-gcm@openssh.com");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_SSH_CIPHERS", " , ")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssh.ciphers must name at least one");
    }

    @Test
    void httpGatewayRefusesAnUnknownForwardedModeAndHalfATlsPair() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_HTTP_FORWARDED", "x-real-ip")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.forwarded");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_HTTP_CERT_FILE", "/etc/gw.crt")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.certFile and http.keyFile");
    }

    @Test
    void emptyFileChangesNothing() throws IOException {
        assertThat(ConfigLoader.load(file(""), Map.of())).isEqualTo(defaults());
        assertThat(ConfigLoader.load(file("# only a comment\n"), Map.of())).isEqualTo(defaults());
    }

    // --- file ---

    @Test
    void fileOverridesOnlyTheKeysItSets() throws IOException {
        PortcullisConfig config = ConfigLoader.load(file("""
                api:
                  port: 9090
                database:
                  url: postgresql://db.internal:5432/portcullis
                """), Map.of());
        PortcullisConfig defaults = defaults();

        assertThat(config.api()).isEqualTo(new PortcullisConfig.Api("127.0.0.1", 9090, 65536));
        assertThat(config.database().url()).isEqualTo("postgresql://db.internal:5432/portcullis");
        assertThat(config.database().embedded()).isFalse();
        assertThat(config.database().user()).isEqualTo("portcullis");
        assertThat(config.database().poolSize()).isEqualTo(8);
        assertThat(config.dataDir()).isEqualTo(defaults.dataDir());
        assertThat(config.ledger()).isEqualTo(defaults.ledger());
    }

    @Test
    void fileSetsTopLevelValues() throws IOException {
        PortcullisConfig config = ConfigLoader.load(file("""
                dataDir: /var/lib/portcullis/../portcullis
                node: broker-a
                policies: /etc/portcullis/policies.yaml
                ledger: {jsonLines: /var/log/portcullis/ledger.jsonl}
                """), Map.of());

        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/portcullis"));
        assertThat(config.node()).isEqualTo("broker-a");
        assertThat(config.policies()).isEqualTo("/etc/portcullis/policies.yaml");
        assertThat(config.ledger().jsonLines()).isEqualTo("/var/log/portcullis/ledger.jsonl");
    }

    @Test
    void relativeDataDirIsResolvedAgainstTheWorkingDirectory() throws IOException {
        PortcullisConfig config = ConfigLoader.load(file("dataDir: ./state/./broker\n"), Map.of());
        assertThat(config.dataDir()).isAbsolute().isEqualTo(Path.of("state", "broker").toAbsolutePath());
    }

    @Test
    void unknownKeyInFileIsRefusedWithItsFullPath() throws IOException {
        Path typo = file("api:\n  prot: 9090\n");
        assertThatThrownBy(() -> ConfigLoader.load(typo, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown configuration key 'api.prot'");
    }

    @Test
    void unknownTopLevelKeyInFileIsRefused() throws IOException {
        Path typo = file("datadir: /tmp/x\n");
        assertThatThrownBy(() -> ConfigLoader.load(typo, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'datadir'");
    }

    @Test
    void sectionGivenAsScalarIsRefused() throws IOException {
        Path bad = file("api: 9090\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'api'")
                .hasMessageContaining("mapping");
    }

    @Test
    void fileThatIsNotAMappingIsRefused() throws IOException {
        Path list = file("- api\n- port\n");
        assertThatThrownBy(() -> ConfigLoader.load(list, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mapping");
    }

    @Test
    void missingFileIsRefused() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read configuration")
                .hasMessageContaining("nope.yaml");
    }

    @Test
    void invalidYamlIsRefused() throws IOException {
        Path broken = file("api: {port: 9090\n");
        assertThatThrownBy(() -> ConfigLoader.load(broken, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read configuration");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "api: {port: 70000}           | api.port must be between 0 and 65535, got 70000",
            "api: {port: -1}              | api.port must be between 0 and 65535, got -1",
            "api: {maxBodyBytes: 1023}    | api.maxBodyBytes must be between 1024 and 67108864, got 1023",
            "api: {maxBodyBytes: 67108865}| api.maxBodyBytes must be between 1024 and 67108864, got 67108865",
            "database: {poolSize: 0}      | database.poolSize must be between 1 and 256, got 0",
            "database: {poolSize: 257}    | database.poolSize must be between 1 and 256, got 257",
            "database: {embeddedPort: 65536} | database.embeddedPort must be between 0 and 65535, got 65536",
    })
    void outOfRangeNumberInFileIsRefused(String yaml, String message) throws IOException {
        Path bad = file(yaml + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void numbersAtTheEdgesOfTheirRangesAreAccepted() throws IOException {
        PortcullisConfig config = ConfigLoader.load(file("""
                api: {port: 65535, maxBodyBytes: 1024}
                database: {poolSize: 256, embeddedPort: 0}
                """), Map.of());
        assertThat(config.api().port()).isEqualTo(65535);
        assertThat(config.api().maxBodyBytes()).isEqualTo(1024);
        assertThat(config.database().poolSize()).isEqualTo(256);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "api: {port: eighty}         | api.port",
            "api: {port: 8080.5}         | api.port",
            "api: {port: true}           | api.port",
            "api: {port: [8080]}         | api.port",
            "api: {port: 99999999999}    | api.port",
            "database: {poolSize: ''}    | database.poolSize",
    })
    void nonNumericNumberInFileIsRefused(String yaml, String key) throws IOException {
        Path bad = file(yaml + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("whole number");
    }

    @Test
    void structuredValueForAPlainSettingIsRefused() throws IOException {
        Path bad = file("database:\n  url: {host: db}\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.url");
    }

    @Test
    void settingWithoutValueIsRefusedRatherThanReadAsTheTextNull() throws IOException {
        Path bad = file("database:\n  password:\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.password");
    }

    @Test
    void plainSettingsAcceptNumbersAsText() throws IOException {
        PortcullisConfig config = ConfigLoader.load(file("database: {password: 12345}\nnode: 7\n"), Map.of());
        assertThat(config.database().password()).isEqualTo("12345");
        assertThat(config.node()).isEqualTo("7");
    }

    @Test
    void emptyDataDirIsRefused() throws IOException {
        Path bad = file("dataDir: ''\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dataDir");
    }

    @Test
    void emptyLedgerTargetIsRefused() throws IOException {
        Path bad = file("ledger: {jsonLines: ''}\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ledger.jsonLines");
    }

    // --- environment ---

    @ParameterizedTest
    @CsvSource({
            "api.maxBodyBytes, PORTCULLIS_API_MAX_BODY_BYTES",
            "api.port, PORTCULLIS_API_PORT",
            "database.url, PORTCULLIS_DATABASE_URL",
            "database.embeddedPort, PORTCULLIS_DATABASE_EMBEDDED_PORT",
            "database.poolSize, PORTCULLIS_DATABASE_POOL_SIZE",
            "dataDir, PORTCULLIS_DATA_DIR",
            "ledger.jsonLines, PORTCULLIS_LEDGER_JSON_LINES",
            "node, PORTCULLIS_NODE",
    })
    void envNameIsUpperSnakeCaseOfTheKeyPath(String path, String name) {
        assertThat(ConfigLoader.envName(path)).isEqualTo(name);
    }

    @Test
    void environmentOverridesDefaults() {
        PortcullisConfig config = ConfigLoader.load(null, Map.of(
                "PORTCULLIS_API_MAX_BODY_BYTES", "131072",
                "PORTCULLIS_DATABASE_URL", "postgresql://db:5432/p",
                "PORTCULLIS_DATABASE_PASSWORD", "s3cret",
                "PORTCULLIS_NODE", "broker-b",
                "PORTCULLIS_LEDGER_JSON_LINES", "off"));

        assertThat(config.api().maxBodyBytes()).isEqualTo(131072);
        assertThat(config.api().port()).isEqualTo(8080);
        assertThat(config.database().url()).isEqualTo("postgresql://db:5432/p");
        assertThat(config.database().password()).isEqualTo("s3cret");
        assertThat(config.node()).isEqualTo("broker-b");
        assertThat(config.ledger().jsonLines()).isEqualTo("off");
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        Path file = file("api: {port: 9090, host: 0.0.0.0}\n");
        PortcullisConfig config = ConfigLoader.load(file, Map.of("PORTCULLIS_API_PORT", "9191"));

        assertThat(config.api().port()).isEqualTo(9191);
        assertThat(config.api().host()).isEqualTo("0.0.0.0");
    }

    @Test
    void environmentNumbersMayCarrySurroundingWhitespace() {
        assertThat(ConfigLoader.load(null, Map.of("PORTCULLIS_DATABASE_POOL_SIZE", " 16 ")).database().poolSize())
                .isEqualTo(16);
    }

    @Test
    void environmentOverridesATextSettingTheFileWroteAsANumber() throws IOException {
        Path file = file("database: {password: 12345}\n");
        PortcullisConfig config = ConfigLoader.load(file, Map.of("PORTCULLIS_DATABASE_PASSWORD", "s3cret"));
        assertThat(config.database().password()).isEqualTo("s3cret");
    }

    @Test
    void nonNumericEnvironmentValueIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_API_PORT", "eighty")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PORTCULLIS_API_PORT must be a whole number, got 'eighty'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_API_MAX_BODY_BYTES", "64k")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PORTCULLIS_API_MAX_BODY_BYTES");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_DATABASE_POOL_SIZE", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PORTCULLIS_DATABASE_POOL_SIZE");
    }

    @Test
    void outOfRangeEnvironmentValueIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_API_PORT", "65536")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("api.port must be between 0 and 65535, got 65536");
    }

    @Test
    void emptyEnvironmentValueForDataDirIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORTCULLIS_DATA_DIR", " ")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dataDir");
    }

    @Test
    void environmentVariablesOfOtherProgramsAreIgnored() {
        assertThat(ConfigLoader.load(null, Map.of("PATH", "/usr/bin", "API_PORT", "1", "PORTCULLIS_API", "x")))
                .isEqualTo(defaults());
    }
}
