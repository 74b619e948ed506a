package dev.portcullis.gateway.http;

import dev.portcullis.domain.Target;

import java.net.URI;

/**
 * Where a target's requests go, parsed once from its {@code endpoint.baseUrl}; {@code authority} is the Host header
 * the target is sent (the port left out when it is the scheme's default).
 */
record Upstream(boolean ssl, String host, int port, String basePath, String authority) {

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
        int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
        String name = uri.getHost(); // an IPv6 literal comes in brackets: right for Host, not for connecting
        String host = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
        return new Upstream(ssl, host, port, path, port == (ssl ? 443 : 80) ? name : name + ":" + port);
    }
}
