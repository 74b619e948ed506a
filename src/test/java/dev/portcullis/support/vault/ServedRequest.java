package dev.portcullis.support.vault;

import java.util.Set;

/**
 * One request the test server answered: names only, never values, so logs of it hold no secret.
 *
 * @param method      GET, POST (PUT is recorded as POST, as Vault treats them alike) or DELETE
 * @param path        the path after {@code /v1}, e.g. {@code /ssh/sign/broker}
 * @param template    the served route it matched as the OpenAPI subset writes it
 *                    ({@code /{ssh_mount_path}/sign/{role}}), or null when none matched
 * @param bodyFields  top-level field names of the JSON body
 * @param queryFields query parameter names
 * @param status      the HTTP status answered
 */
public record ServedRequest(String method, String path, String template, Set<String> bodyFields, Set<String> queryFields,
        int status) {

    public ServedRequest {
        bodyFields = Set.copyOf(bodyFields);
        queryFields = Set.copyOf(queryFields);
    }
}
