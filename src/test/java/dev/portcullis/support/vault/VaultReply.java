package dev.portcullis.support.vault;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;

/**
 * An answer: a status and a body in Vault's envelope, an error body, raw text, or nothing.
 *
 * @param contentType null when there is no body
 */
record VaultReply(int status, String contentType, String body) {

    /** Exactly this: vault-java-driver's auth and health calls refuse {@code application/json; charset=utf-8}. */
    static final String JSON = "application/json";

    static VaultReply noContent() {
        return new VaultReply(204, null, null);
    }

    static VaultReply accepted() {
        return new VaultReply(202, null, null);
    }

    static VaultReply text(String text) {
        return new VaultReply(200, "text/plain", text);
    }

    static VaultReply json(int status, JsonObject body) {
        return new VaultReply(status, JSON, body.encode());
    }

    static VaultReply error(VaultError e) {
        return json(e.status, new JsonObject().put("errors", new JsonArray(List.copyOf(e.errors))));
    }

    /** Vault's success envelope around {@code data} (may be null). */
    static Envelope envelope(JsonObject data) {
        return new Envelope(200, data, "", false, 0, null);
    }

    /** The envelope's fields, set one by one; {@link #reply} adds the warnings the call collected. */
    record Envelope(int status, JsonObject data, String leaseId, boolean renewable, long leaseDuration, JsonObject auth) {

        Envelope status(int code) {
            return new Envelope(code, data, leaseId, renewable, leaseDuration, auth);
        }

        Envelope lease(String id, boolean isRenewable, long seconds) {
            return new Envelope(status, data, id, isRenewable, seconds, auth);
        }

        Envelope auth(JsonObject authBlock) {
            return new Envelope(status, data, leaseId, renewable, leaseDuration, authBlock);
        }

        VaultReply reply(VaultCall call) {
            JsonObject body = new JsonObject()
                    .put("request_id", UUID.randomUUID().toString())
                    .put("lease_id", leaseId)
                    .put("renewable", renewable)
                    .put("lease_duration", leaseDuration)
                    .put("data", data)
                    .put("wrap_info", null)
                    .put("warnings", call.warnings().isEmpty() ? null : new JsonArray(List.copyOf(call.warnings())))
                    .put("auth", auth);
            return json(status, body);
        }
    }
}
