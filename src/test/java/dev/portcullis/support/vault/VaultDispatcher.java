package dev.portcullis.support.vault;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Everything between the socket and an endpoint, in Vault's order: the seal, injected 500s, the
 * route, the token, the policy, the unknown-field warning. Logs every answer by names only.
 */
final class VaultDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(VaultDispatcher.class);
    private static final String HEALTH = "/sys/health";

    /** Every request answered by any test server in this JVM: the contract test checks them all. */
    static final ConcurrentLinkedQueue<ServedRequest> SERVED_IN_THIS_JVM = new ConcurrentLinkedQueue<>();

    private final List<Route> routes;
    private final Function<String, Set<String>> mounts;
    private final TokenStore tokens;
    private final Faults faults;
    private final ConcurrentLinkedQueue<ServedRequest> served = new ConcurrentLinkedQueue<>();

    VaultDispatcher(List<Route> routes, Function<String, Set<String>> mounts, TokenStore tokens, Faults faults) {
        this.routes = List.copyOf(routes);
        this.mounts = mounts;
        this.tokens = tokens;
        this.faults = faults;
    }

    List<ServedRequest> served() {
        return List.copyOf(served);
    }

    /**
     * Answers one request. Blocking (endpoints may run SQL): call on a worker thread.
     *
     * @param rawMethod the HTTP method as sent
     * @param rawPath   the request path, {@code /v1/…}
     * @param token     from {@code X-Vault-Token} or {@code Authorization: Bearer}, or null
     */
    VaultReply answer(String rawMethod, String rawPath, Set<String> queryNames, String token, String body) {
        String method = rawMethod.equals("PUT") ? "POST" : rawMethod;
        Instant now = Instant.now();
        JsonObject json = null;
        Route route = null;
        VaultReply reply;
        try {
            json = parse(body);
            String path = rawPath.startsWith("/v1/") ? rawPath.substring(3) : null;
            Optional<Map.Entry<Route, Map<String, String>>> matched = path == null ? Optional.empty() : match(method, path);
            route = matched.map(Map.Entry::getKey).orElse(null);
            reply = serve(method, path, matched, token, json, now);
        } catch (VaultError e) {
            reply = VaultReply.error(e);
        } catch (RuntimeException e) {
            LOG.warn("vault test server failed on {} {}", method, rawPath, e);
            reply = VaultReply.error(new VaultError(500, List.of("internal error: " + e)));
        }
        ServedRequest record = new ServedRequest(method, rawPath.startsWith("/v1/") ? rawPath.substring(3) : rawPath,
                route == null ? null : route.template(), json == null ? Set.of() : new TreeSet<>(json.fieldNames()),
                queryNames, reply.status());
        served.add(record);
        SERVED_IN_THIS_JVM.add(record);
        return reply;
    }

    private VaultReply serve(String method, String path, Optional<Map.Entry<Route, Map<String, String>>> matched, String tokenId,
            JsonObject body, Instant now) {
        if (path == null) {
            throw VaultError.notFound();
        }
        boolean health = path.equals(HEALTH);
        if (faults.sealed() && !health) {
            throw new VaultError(503, List.of("Vault is sealed"));
        }
        if (faults.failing(path)) {
            throw new VaultError(500, List.of("internal error"));
        }
        String policyPath = path.substring(1);
        if (matched.isEmpty()) {
            // Vault checks the token's policy before it looks for a handler.
            if (!tokens.allows(requireToken(tokenId, now), method, policyPath)) {
                throw VaultError.permissionDenied();
            }
            if (routes.stream().anyMatch(r -> r.match(path, mounts).isPresent())) {
                throw new VaultError(405, List.of("1 error occurred:\n\t* unsupported operation\n\n"));
            }
            throw new VaultError(404, List.of("no handler for route \"" + policyPath + "\". route entry not found."));
        }
        Route route = matched.get().getKey();
        TokenStore.Token token = null;
        if (route.authenticated()) {
            token = requireToken(tokenId, now);
            if (!tokens.allows(token, method, policyPath)) {
                throw VaultError.permissionDenied();
            }
        }
        VaultCall call = new VaultCall(method, policyPath, matched.get().getValue(), body, token, now);
        Set<String> ignored = new TreeSet<>(body.fieldNames());
        ignored.removeAll(route.fields());
        if (!ignored.isEmpty()) {
            call.warn("Endpoint ignored these unrecognized parameters: [" + String.join(" ", ignored) + "]");
        }
        return route.endpoint().serve(call);
    }

    private TokenStore.Token requireToken(String tokenId, Instant now) {
        return tokens.find(tokenId, now).orElseThrow(VaultError::permissionDenied);
    }

    private Optional<Map.Entry<Route, Map<String, String>>> match(String method, String path) {
        for (Route r : routes) {
            if (r.method().equals(method)) {
                Optional<Map<String, String>> params = r.match(path, mounts);
                if (params.isPresent()) {
                    return Optional.of(Map.entry(r, params.get()));
                }
            }
        }
        return Optional.empty();
    }

    private static JsonObject parse(String body) {
        if (body == null || body.isBlank()) {
            return new JsonObject();
        }
        Object value;
        try {
            value = Json.decodeValue(body);
        } catch (DecodeException e) {
            throw VaultError.badRequest("failed to parse JSON input: " + e.getMessage());
        }
        if (!(value instanceof JsonObject object)) {
            throw VaultError.badRequest("failed to parse JSON input: not a JSON object");
        }
        return object;
    }
}
