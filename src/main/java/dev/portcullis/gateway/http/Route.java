package dev.portcullis.gateway.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which target a request is for and its path below the target: {@code /t/<target>/<path>}, or, when a host suffix
 * is configured, a Host of {@code <target><suffix>} with the whole path. {@code target} is null when the request
 * names no valid target (answered 404 or, for a malformed name, 400).
 */
record Route(String target, String rawPath, boolean malformed) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final Route NONE = new Route(null, null, false);
    static final Route MALFORMED = new Route(null, null, true);

    /** Routing rules for one gateway. */
    record Rules(String hostSuffix) {

        Route route(HttpServerRequest request) {
            String path = request.path();
            if (path == null) {
                return MALFORMED;
            }
            if (!hostSuffix.isEmpty()) {
                String host = request.authority() == null ? null : request.authority().host();
                if (host != null && host.length() > hostSuffix.length() && host.toLowerCase(Locale.ROOT).endsWith(hostSuffix)) {
                    String name = host.substring(0, host.length() - hostSuffix.length()).toLowerCase(Locale.ROOT);
                    return NAME.matcher(name).matches() ? new Route(name, path, false) : MALFORMED;
                }
            }
            if (!path.startsWith("/t/")) {
                return NONE;
            }
            int end = path.indexOf('/', 3);
            String name = end < 0 ? path.substring(3) : path.substring(3, end);
            if (!NAME.matcher(name).matches() || name.contains("..")) {
                return MALFORMED;
            }
            return new Route(name, end < 0 ? "/" : path.substring(end), false);
        }
    }
}
