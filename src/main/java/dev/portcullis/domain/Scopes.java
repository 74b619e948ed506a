package dev.portcullis.domain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scopes as plain JSON-shaped maps: the form they take in the API, the database and the digest.
 * {@code {"ssh": {...}}} or {@code {"http": {...}}}; parsing is strict so that a misspelt key can
 * never silently widen a scope.
 */
public final class Scopes {

    private static final Set<String> SSH_KEYS = Set.of("principals", "interactive", "exec", "forwarding", "subsystems", "database");
    private static final Set<String> HTTP_KEYS = Set.of("methods", "paths", "websocket");

    private Scopes() {
    }

    public static Map<String, Object> toMap(Scope scope) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (scope instanceof SshScope ssh) {
            body.put("principals", ssh.principals());
            body.put("interactive", ssh.interactive());
            body.put("exec", ssh.exec());
            body.put("forwarding", ssh.forwarding());
            body.put("subsystems", ssh.subsystems());
            // Only when granted: a scope without it keeps exactly the form (and digest) it had before the key existed.
            if (ssh.database()) {
                body.put("database", true);
            }
            return Map.of("ssh", body);
        }
        HttpScope http = (HttpScope) scope;
        body.put("methods", http.methods());
        body.put("paths", http.paths());
        body.put("websocket", http.websocket());
        return Map.of("http", body);
    }

    /** @throws IllegalArgumentException with a message fit for an API answer */
    public static Scope fromMap(Map<String, ?> map) {
        if (map.size() != 1 || !(map.containsKey("ssh") || map.containsKey("http"))) {
            throw new IllegalArgumentException("scope must have exactly one of 'ssh' or 'http'");
        }
        if (map.get("ssh") instanceof Map<?, ?> ssh) {
            onlyKeys(ssh, SSH_KEYS, "ssh");
            return new SshScope(strings(ssh.get("principals"), "principals"), bool(ssh.get("interactive")),
                    strings(ssh.get("exec"), "exec"), bool(ssh.get("forwarding")), strings(ssh.get("subsystems"), "subsystems"),
                    bool(ssh.get("database")));
        }
        if (map.get("http") instanceof Map<?, ?> http) {
            onlyKeys(http, HTTP_KEYS, "http");
            return new HttpScope(strings(http.get("methods"), "methods"), strings(http.get("paths"), "paths"),
                    bool(http.get("websocket")));
        }
        throw new IllegalArgumentException("scope.ssh or scope.http must be an object");
    }

    private static void onlyKeys(Map<?, ?> map, Set<String> allowed, String where) {
        for (Object key : map.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new IllegalArgumentException("scope." + where + " has an unknown field '" + key + "'");
            }
        }
    }

    private static boolean bool(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("expected true or false, got " + value);
    }

    private static List<String> strings(Object value, String field) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("scope field '" + field + "' must be a list of strings");
        }
        for (Object item : list) {
            if (!(item instanceof String s) || s.isBlank()) {
                throw new IllegalArgumentException("scope field '" + field + "' must be a list of non-empty strings");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> strings = (List<String>) list;
        return List.copyOf(strings);
    }
}
