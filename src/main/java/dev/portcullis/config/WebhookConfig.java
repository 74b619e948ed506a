package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Reads and checks the {@code webhooks:} list; each mistake is a start-up error that names the entry. */
final class WebhookConfig {

    static final List<String> DEFAULT_EVENTS = List.of("request.filed", "request.approved", "request.denied",
            "breakglass.*", "grant.close_failed", "lease.revocation_failed");
    private static final Set<String> KEYS = Set.of("url", "secret", "secretFile", "events");
    /** HMAC-SHA256 keys shorter than this are guessable. */
    static final int MIN_SECRET_LENGTH = 16;

    private WebhookConfig() {
    }

    static List<PortcullisConfig.Webhook> parse(JsonNode list) {
        List<PortcullisConfig.Webhook> hooks = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            hooks.add(one(list.get(i), "webhooks[" + i + "]"));
        }
        return List.copyOf(hooks);
    }

    private static PortcullisConfig.Webhook one(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping with url, secret or secretFile, and events");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown configuration key '" + where + "." + key + "'");
            }
        }
        String url = node.path("url").asText("");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".url is not a URL: " + url);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new ConfigException(where + ".url must be an http(s) URL, got '" + url + "'");
        }
        boolean inline = node.hasNonNull("secret");
        boolean file = node.hasNonNull("secretFile");
        if (inline == file) {
            throw new ConfigException(where + " needs exactly one of secret and secretFile");
        }
        String secret;
        if (file) {
            try {
                secret = Files.readString(Path.of(node.get("secretFile").asText())).strip();
            } catch (IOException e) {
                throw new ConfigException(where + ".secretFile cannot be read: " + e.getMessage());
            }
        } else {
            secret = node.get("secret").asText();
        }
        if (secret.length() < MIN_SECRET_LENGTH) {
            // the message says how long, never what
            throw new ConfigException(where + "'s secret must be at least " + MIN_SECRET_LENGTH + " characters, it has " + secret.length());
        }
        List<String> events = new ArrayList<>();
        if (node.has("events")) {
            if (!node.get("events").isArray() || node.get("events").isEmpty()) {
                throw new ConfigException(where + ".events must be a non-empty list of ledger entry types");
            }
            node.get("events").forEach(e -> events.add(e.asText()));
        } else {
            events.addAll(DEFAULT_EVENTS);
        }
        return new PortcullisConfig.Webhook(url, secret, events);
    }
}
