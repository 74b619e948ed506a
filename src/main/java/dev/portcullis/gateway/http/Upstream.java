package dev.portcullis.gateway.http;

import dev.portcullis.domain.Target;

import java.net.URI;

/** Where a target's requests go, parsed once from its {@code endpoint.baseUrl}. */
record Upstream(boolean ssl, String host, int port, String basePath) {

    static Upstream of(Target target) {
        Object base = target.endpoint().get("baseUrl");
        if (!(base instanceof String url)) {
            throw new IllegalArgumentException("target " + target.name() + " has no endpoint.baseUrl");
        }
        URI uri = URI.create(url);
        boolean ssl = "https".equalsIgnoreCase(uri.getScheme());
        if (!ssl && !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("target " + target.name() + ": baseUrl must be http(s)://host[:port][/path]");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new Upstream(ssl, uri.getHost(), uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80, path);
    }
}
