package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link PortcullisConfig}: built-in defaults, then an optional file, then {@code PORTCULLIS_*}
 * environment variables. A key the defaults do not have is an error, so typos fail at start-up.
 */
public final class ConfigLoader {

    static final String DEFAULTS = "/portcullis.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {
    }

    public static PortcullisConfig load(Path file, Map<String, String> env) {
        ObjectNode tree = defaults();
        if (file != null) {
            try {
                JsonNode overrides = YAML.readTree(Files.readString(file));
                if (overrides != null && !overrides.isNull() && !overrides.isMissingNode()) {
                    merge(tree, overrides, "");
                }
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage());
            }
        }
        applyEnvironment(tree, "", env);
        return build(tree);
    }

    static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("built-in defaults " + DEFAULTS + " are missing from the build");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void merge(ObjectNode base, JsonNode overrides, String path) {
        if (!overrides.isObject()) {
            throw new ConfigException("configuration " + (path.isEmpty() ? "" : "'" + path + "' ") + "must be a mapping");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            JsonNode current = base.get(field.getKey());
            if (current == null) {
                throw new ConfigException("unknown configuration key '" + key + "'");
            }
            if (current.isObject()) {
                merge((ObjectNode) current, field.getValue(), key);
            } else if (current.isArray()) {
                if (!field.getValue().isArray()) {
                    throw new ConfigException(key + " must be a list, got " + field.getValue());
                }
                base.set(field.getKey(), field.getValue());
            } else {
                base.set(field.getKey(), value(current, field.getValue(), key));
            }
        }
    }

    // The build step reads values with asInt/asText, which turn "eighty" into 0 (a valid port) and
    // null into the text "null"; so a file value must have its default's shape.
    private static JsonNode value(JsonNode current, JsonNode value, String key) {
        if (current.isInt() && !(value.isIntegralNumber() && value.canConvertToInt())) {
            throw new ConfigException(key + " must be a whole number, got " + value);
        }
        if (current.isBoolean() && !value.isBoolean()) {
            throw new ConfigException(key + " must be true or false, got " + value);
        }
        if (!value.isValueNode() || value.isNull()) {
            throw new ConfigException(key + " must be a single value (write '' for empty), got " + value);
        }
        // kept as text so that the environment may still override it with any text
        return current.isInt() || current.isBoolean() ? value : TextNode.valueOf(value.asText());
    }

    private static void applyEnvironment(ObjectNode node, String prefix, Map<String, String> env) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            JsonNode value = node.get(name);
            if (value.isObject()) {
                applyEnvironment((ObjectNode) value, path, env);
                continue;
            }
            String override = env.get(envName(path));
            if (override == null) {
                continue;
            }
            if (value.isArray()) {
                // a list comes as JSON (or YAML flow) text: PORTCULLIS_WEBHOOKS='[{"url": "…", …}]'
                try {
                    JsonNode list = YAML.readTree(override);
                    if (list == null || !list.isArray()) {
                        throw new ConfigException(envName(path) + " must be a list, e.g. '[{...}]'");
                    }
                    node.set(name, list);
                } catch (IOException e) {
                    throw new ConfigException(envName(path) + " is not a readable list: " + e.getMessage());
                }
            } else if (value.isInt()) {
                try {
                    node.put(name, Integer.parseInt(override.trim()));
                } catch (NumberFormatException e) {
                    throw new ConfigException(envName(path) + " must be a whole number, got '" + override + "'");
                }
            } else if (value.isBoolean()) {
                if (!override.trim().equals("true") && !override.trim().equals("false")) {
                    throw new ConfigException(envName(path) + " must be true or false, got '" + override + "'");
                }
                node.put(name, Boolean.parseBoolean(override.trim()));
            } else {
                node.put(name, override);
            }
        }
    }

    /** {@code ssh.ciphers}: OpenSSH's syntax, names separated by commas, most preferred first. */
    private static List<String> ciphers(String text) {
        List<String> names = new ArrayList<>();
        for (String name : text.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!PortcullisConfig.Ssh.SUPPORTED_CIPHERS.contains(trimmed)) {
                throw new ConfigException("ssh.ciphers: '" + trimmed + "' is not one of "
                        + String.join(", ", PortcullisConfig.Ssh.SUPPORTED_CIPHERS));
            }
            if (!names.contains(trimmed)) {
                names.add(trimmed);
            }
        }
        if (names.isEmpty()) {
            throw new ConfigException("ssh.ciphers must name at least one of " + String.join(", ", PortcullisConfig.Ssh.SUPPORTED_CIPHERS));
        }
        return names;
    }

    /** {@code api.maxBodyBytes} → {@code PORTCULLIS_API_MAX_BODY_BYTES}. */
    public static String envName(String path) {
        return "PORTCULLIS_" + path.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
    }

    private static PortcullisConfig build(ObjectNode t) {
        JsonNode api = t.path("api");
        JsonNode db = t.path("database");
        JsonNode ssh = t.path("ssh");
        int port = range(api.path("port").asInt(), 0, 65535, "api.port");
        int maxBody = range(api.path("maxBodyBytes").asInt(), 1024, 64 * 1024 * 1024, "api.maxBodyBytes");
        int pool = range(db.path("poolSize").asInt(), 1, 256, "database.poolSize");
        int embeddedPort = range(db.path("embeddedPort").asInt(), 0, 65535, "database.embeddedPort");
        String dataDir = t.path("dataDir").asText();
        if (dataDir.isBlank()) {
            throw new ConfigException("dataDir must not be empty");
        }
        String node = t.path("node").asText();
        if (node.isBlank()) {
            node = hostName();
        }
        String jsonLines = t.path("ledger").path("jsonLines").asText();
        if (jsonLines.isBlank()) {
            throw new ConfigException("ledger.jsonLines must be stdout, off or a file path");
        }
        return new PortcullisConfig(Path.of(dataDir).toAbsolutePath().normalize(), node,
                new PortcullisConfig.Api(api.path("host").asText(), port, maxBody),
                new PortcullisConfig.Ssh(ssh.path("enabled").asBoolean(), ssh.path("host").asText(),
                        range(ssh.path("port").asInt(), 0, 65535, "ssh.port"), ciphers(ssh.path("ciphers").asText())),
                new PortcullisConfig.Database(db.path("url").asText(), db.path("user").asText(),
                        db.path("password").asText(), pool, embeddedPort),
                t.path("policies").asText(), new PortcullisConfig.Ledger(jsonLines,
                range(t.path("ledger").path("checkpointSeconds").asInt(), 1, 86400, "ledger.checkpointSeconds")),
                credentials(t.path("credentials")),
                new PortcullisConfig.Ops(t.path("ops").path("enabled").asBoolean(), t.path("ops").path("host").asText(),
                        range(t.path("ops").path("port").asInt(), 0, 65535, "ops.port")),
                WebhookConfig.parse(t.path("webhooks")),
                http(t.path("http")));
    }

    private static PortcullisConfig.Credentials credentials(JsonNode c) {
        String broker = c.path("broker").asText();
        if (!broker.equals("local") && !broker.equals("vault")) {
            throw new ConfigException("credentials.broker must be local or vault, got '" + broker + "'");
        }
        JsonNode v = c.path("vault");
        String auth = v.path("auth").asText();
        if (!auth.equals("approle") && !auth.equals("token")) {
            throw new ConfigException("credentials.vault.auth must be approle or token, got '" + auth + "'");
        }
        PortcullisConfig.Vault vault = new PortcullisConfig.Vault(v.path("address").asText().trim(), auth,
                v.path("roleId").asText(), v.path("secretId").asText(), v.path("secretIdFile").asText(), v.path("tokenFile").asText(),
                v.path("caFile").asText(), range(v.path("openTimeoutSeconds").asInt(), 1, 300, "credentials.vault.openTimeoutSeconds"),
                range(v.path("readTimeoutSeconds").asInt(), 1, 300, "credentials.vault.readTimeoutSeconds"),
                range(v.path("workerPoolSize").asInt(), 1, 256, "credentials.vault.workerPoolSize"),
                v.path("sshMount").asText(), v.path("sshRole").asText(),
                range(v.path("reconcileSeconds").asInt(), 1, 86400, "credentials.vault.reconcileSeconds"));
        if (broker.equals("vault")) {
            if (!vault.address().startsWith("http://") && !vault.address().startsWith("https://")) {
                throw new ConfigException("credentials.vault.address must be an http(s) URL when credentials.broker is vault");
            }
            if (auth.equals("approle") && (vault.roleId().isBlank() || vault.secretId().isBlank() == vault.secretIdFile().isBlank())) {
                throw new ConfigException("credentials.vault.auth approle needs roleId and exactly one of secretId, secretIdFile");
            }
            if (vault.sshMount().isBlank() || vault.sshRole().isBlank()) {
                throw new ConfigException("credentials.vault.sshMount and sshRole must not be empty");
            }
        }
        return new PortcullisConfig.Credentials(broker, vault);
    }

    private static PortcullisConfig.Http http(JsonNode h) {
        String forwarded = h.path("forwarded").asText();
        if (!java.util.Set.of("x-forwarded", "forwarded", "both", "none").contains(forwarded)) {
            throw new ConfigException("http.forwarded must be x-forwarded, forwarded, both or none, got '" + forwarded + "'");
        }
        if (h.path("certFile").asText().isBlank() != h.path("keyFile").asText().isBlank()) {
            throw new ConfigException("http.certFile and http.keyFile are set together or not at all");
        }
        return new PortcullisConfig.Http(h.path("enabled").asBoolean(), h.path("host").asText(),
                range(h.path("port").asInt(), 0, 65535, "http.port"), h.path("tls").asBoolean(),
                h.path("certFile").asText(), h.path("keyFile").asText(), h.path("upstreamCaFile").asText(), forwarded,
                h.path("hostSuffix").asText(),
                range(h.path("idleTimeoutSeconds").asInt(), 1, 86400, "http.idleTimeoutSeconds"),
                range(h.path("headerTimeoutSeconds").asInt(), 1, 3600, "http.headerTimeoutSeconds"),
                range(h.path("upstreamConnectTimeoutSeconds").asInt(), 1, 3600, "http.upstreamConnectTimeoutSeconds"),
                range(h.path("maxHeaderBytes").asInt(), 1024, 1024 * 1024, "http.maxHeaderBytes"),
                range(h.path("maxUriBytes").asInt(), 256, 1024 * 1024, "http.maxUriBytes"),
                range(h.path("instances").asInt(), 0, 256, "http.instances"));
    }

    private static int range(int value, int min, int max, String key) {
        if (value < min || value > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "portcullis";
        }
    }
}
