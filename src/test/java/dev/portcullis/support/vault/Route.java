package dev.portcullis.support.vault;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One served operation, written as Vault's OpenAPI document writes it: the contract test compares
 * these templates, methods and fields with {@code vault-openapi-subset.json}.
 *
 * @param method        GET, POST or DELETE (PUT is served as POST)
 * @param template      e.g. {@code /{ssh_mount_path}/sign/{role}}; {@code {…_mount_path}} stands for the
 *                      engine's mount(s), a trailing {@code {path}} for one or more segments
 * @param fields        the request body fields the endpoint reads
 * @param authenticated false for Vault's unauthenticated paths (login, health, the SSH CA key)
 */
record Route(String method, String template, Set<String> fields, boolean authenticated, Endpoint endpoint) {

    /** Serves one call; throws {@link VaultError} to refuse it. */
    @FunctionalInterface
    interface Endpoint {
        VaultReply serve(VaultCall call);
    }

    Route {
        fields = Set.copyOf(fields);
    }

    static Route get(String template, Endpoint endpoint) {
        return new Route("GET", template, Set.of(), true, endpoint);
    }

    static Route post(String template, Set<String> fields, Endpoint endpoint) {
        return new Route("POST", template, fields, true, endpoint);
    }

    static Route delete(String template, Endpoint endpoint) {
        return new Route("DELETE", template, Set.of(), true, endpoint);
    }

    Route unauthenticated() {
        return new Route(method, template, fields, false, endpoint);
    }

    /**
     * The template's parameters if {@code path} (after {@code /v1}, with a leading slash) is one of
     * its paths; {@code mounts} names the mounts a {@code {…_mount_path}} parameter stands for.
     */
    Optional<Map<String, String>> match(String path, Function<String, Set<String>> mounts) {
        String[] want = template.substring(1).split("/");
        String[] have = path.substring(1).split("/", -1);
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            String segment = want[i];
            boolean parameter = segment.startsWith("{") && segment.endsWith("}");
            if (!parameter) {
                if (i >= have.length || !have[i].equals(segment)) {
                    return Optional.empty();
                }
                continue;
            }
            String name = segment.substring(1, segment.length() - 1);
            boolean rest = i == want.length - 1 && (name.equals("path") || name.equals("prefix"));
            if (rest) {
                String value = String.join("/", java.util.Arrays.copyOfRange(have, Math.min(i, have.length), have.length));
                if (value.isEmpty() || value.startsWith("/") || value.endsWith("/")) {
                    return Optional.empty();
                }
                params.put(name, value);
                return Optional.of(params);
            }
            if (i >= have.length || have[i].isEmpty()) {
                return Optional.empty();
            }
            if (name.endsWith("_mount_path") && !mounts.apply(name).contains(have[i])) {
                return Optional.empty();
            }
            params.put(name, have[i]);
        }
        return have.length == want.length ? Optional.of(params) : Optional.empty();
    }
}
