package dev.portcullis.domain;

import java.util.List;
import java.util.Locale;

/**
 * HTTP scope: allowed methods and path patterns. In a pattern {@code *} matches within one path
 * segment and {@code **} matches any number of segments. Paths are matched after the gateway has
 * normalised them; {@code websocket} allows upgrades on matching paths.
 */
public record HttpScope(List<String> methods, List<String> paths, boolean websocket) implements Scope {

    public HttpScope {
        methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
        paths = List.copyOf(paths);
        if (methods.isEmpty() || paths.isEmpty()) {
            throw new IllegalArgumentException("an HTTP scope names at least one method and one path pattern");
        }
        for (String path : paths) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("HTTP path patterns start with '/': " + path);
            }
        }
    }

    @Override
    public Protocol protocol() {
        return Protocol.HTTP;
    }

    @Override
    public boolean permits(Action action) {
        if (!(action instanceof Action.HttpCall call)) {
            return false; // SSH actions and database logins are never granted by an HTTP scope
        }
        if (call.websocket() && !websocket) {
            return false;
        }
        return methods.contains(call.method().toUpperCase(Locale.ROOT))
                && paths.stream().anyMatch(p -> PathPattern.matches(p, call.path()));
    }
}
