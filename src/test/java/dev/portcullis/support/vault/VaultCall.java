package dev.portcullis.support.vault;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One request on its way through an endpoint.
 *
 * @param path   the path after {@code /v1/}, without a leading slash: what policies match against
 * @param params the route template's parameters ({@code role}, {@code name}, {@code path}, the mounts)
 * @param body   the JSON body, empty when there was none
 * @param token  the caller's token, null on unauthenticated routes
 * @param now    when the request arrived
 */
record VaultCall(String method, String path, Map<String, String> params, JsonObject body, TokenStore.Token token,
        Instant now, List<String> warnings) {

    VaultCall(String method, String path, Map<String, String> params, JsonObject body, TokenStore.Token token, Instant now) {
        this(method, path, params, body, token, now, new ArrayList<>());
    }

    String param(String name) {
        return params.get(name);
    }

    void warn(String warning) {
        warnings.add(warning);
    }
}
