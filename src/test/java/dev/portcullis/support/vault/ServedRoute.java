package dev.portcullis.support.vault;

import java.util.Set;

/**
 * One operation the test server serves, in the OpenAPI subset's terms, for the contract check.
 *
 * @param template      e.g. {@code /{ssh_mount_path}/sign/{role}}
 * @param fields        request body fields it reads
 * @param authenticated whether it needs a token
 */
public record ServedRoute(String method, String template, Set<String> fields, boolean authenticated) {
}
