package dev.portcullis.credentials;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A target's {@code credential} block, read: which Vault mounts and roles serve it. Every part is optional;
 * keys other than {@code ssh}, {@code kv} and {@code database} belong to other credential sources and are left
 * alone. Names only — a literal secret has no place here.
 *
 * <pre>
 * "credential": {
 *   "ssh":      {"mount": "ssh", "role": "vendor"},
 *   "kv":       {"mount": "secret", "path": "crm/api", "header": "Authorization", "template": "Bearer {{token}}"},
 *   "database": {"mount": "database", "role": "readonly",
 *                "terminate": {"host": "db.internal", "port": 5432, "database": "app",
 *                              "kv": {"mount": "secret", "path": "db-admin"}}}
 * }
 * </pre>
 */
public record TargetCredential(Optional<Ssh> ssh, Optional<Kv> kv, Optional<Database> database) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*){0,15}");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}");
    /** {@code {{key}}} in a header template: replaced by that key of the KV secret. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

    /** {@code ssh/sign/<role>} under {@code mount}. */
    public record Ssh(String mount, String role) {
    }

    /** A KV v2 secret rendered into one header. */
    public record Kv(String mount, String path, String header, String template) {

        /** The header value: every {@code {{key}}} replaced by the secret's value, or empty if a key is missing. */
        public Optional<String> render(Map<String, ?> secret) {
            Matcher m = PLACEHOLDER.matcher(template);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                Object value = secret.get(m.group(1));
                if (value == null) {
                    return Optional.empty();
                }
                m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(value)));
            }
            m.appendTail(out);
            return Optional.of(out.toString());
        }
    }

    /** {@code <mount>/creds/<role>}, and how to end the role's connections after revocation (Vault does not). */
    public record Database(String mount, String role, Optional<Terminate> terminate) {
    }

    /** An administrative connection (its user and password read from a KV v2 secret) used to end a revoked role's connections. */
    public record Terminate(String host, int port, String database, String kvMount, String kvPath) {
    }

    /** Reads and checks the block; a bad block is an {@link IllegalArgumentException} naming the key at fault. */
    public static TargetCredential parse(Map<String, Object> block) {
        Map<String, Object> b = block == null ? Map.of() : block;
        return new TargetCredential(
                section(b, "ssh").map(s -> new Ssh(name(s, "ssh.mount", "ssh"), name(s, "ssh.role", null))),
                section(b, "kv").map(TargetCredential::kv),
                section(b, "database").map(TargetCredential::database));
    }

    private static Kv kv(Map<String, Object> s) {
        String template = text(s, "kv.template", "Bearer {{token}}");
        if (!PLACEHOLDER.matcher(template).find()) {
            throw new IllegalArgumentException("credential.kv.template must contain a {{key}} placeholder, got '" + template + "'");
        }
        if (template.contains("\r") || template.contains("\n")) {
            throw new IllegalArgumentException("credential.kv.template must be one line");
        }
        String header = text(s, "kv.header", "Authorization");
        if (!HEADER.matcher(header).matches()) {
            throw new IllegalArgumentException("credential.kv.header is not a header name: '" + header + "'");
        }
        return new Kv(name(s, "kv.mount", "secret"), path(s, "kv.path"), header, template);
    }

    private static Database database(Map<String, Object> s) {
        Optional<Terminate> terminate = section(s, "terminate").map(t -> {
            Object port = t.getOrDefault("port", 5432);
            if (!(port instanceof Number n) || n.intValue() < 1 || n.intValue() > 65535) {
                throw new IllegalArgumentException("credential.database.terminate.port must be a port number, got " + port);
            }
            Map<String, Object> kv = section(t, "kv").orElseThrow(() ->
                    new IllegalArgumentException("credential.database.terminate.kv must name the KV secret holding username and password"));
            return new Terminate(text(t, "database.terminate.host", null), n.intValue(), name(t, "database.terminate.database", "postgres"),
                    name(kv, "database.terminate.kv.mount", "secret"), path(kv, "database.terminate.kv.path"));
        });
        return new Database(name(s, "database.mount", "database"), name(s, "database.role", null), terminate);
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> section(Map<String, Object> block, String key) {
        Object value = block.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("credential." + key + " must be an object");
        }
        return Optional.of(new LinkedHashMap<>((Map<String, Object>) map));
    }

    private static String text(Map<String, Object> s, String key, String fallback) {
        Object value = s.get(key.substring(key.lastIndexOf('.') + 1));
        if (value == null && fallback != null) {
            return fallback;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("credential." + key + " must be a non-empty string");
        }
        return text;
    }

    private static String name(Map<String, Object> s, String key, String fallback) {
        String value = text(s, key, fallback);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("credential." + key + " must be a Vault name (letters, digits, '_', '.', '-'), got '"
                    + value + "'");
        }
        return value;
    }

    private static String path(Map<String, Object> s, String key) {
        String value = text(s, key, null);
        if (!PATH.matcher(value).matches()) {
            throw new IllegalArgumentException("credential." + key + " must be a relative path of names, got '" + value + "'");
        }
        return value;
    }
}
