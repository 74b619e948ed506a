package dev.portcullis.gateway.http;

import io.vertx.core.MultiMap;

import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1: Connection and every header it names,
 * Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*) belong to one connection and never cross; the
 * vendor's own credentials (Authorization, Cookie) never reach the target; forwarding headers a client sent are
 * dropped, since the gateway is the edge and writes its own.
 */
final class Headers {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "te", "trailer", "transfer-encoding",
            "upgrade", "proxy-connection", "proxy-authorization", "proxy-authenticate", "http2-settings");
    private static final Set<String> VENDOR_ONLY = Set.of("authorization", "cookie", "host", "content-length", "expect",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip");

    private Headers() {
    }

    /** Copies what may go upstream from {@code from} into {@code to}. */
    static void toUpstream(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        from.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !VENDOR_ONLY.contains(lower) && !lower.startsWith("proxy-")
                    && (named == null || !named.contains(lower))) {
                to.add(name, value);
            }
        });
    }

    /** Copies what may go back to the vendor; the target's cookies pass (they are the target's session, not ours). */
    static void toVendor(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        from.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !lower.equals("content-length") && !lower.startsWith("proxy-")
                    && (named == null || !named.contains(lower))) {
                to.add(name, value);
            }
        });
    }

    private static Set<String> connectionNamed(MultiMap headers) {
        String connection = headers.get("connection");
        if (connection == null || connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")) {
            return null; // the common values name no other header
        }
        java.util.HashSet<String> named = new java.util.HashSet<>();
        for (String value : headers.getAll("connection")) {
            for (String token : value.split(",")) {
                named.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }

    /** Whether a Transfer-Encoding is one the gateway can frame safely: none, or exactly "chunked". */
    static boolean acceptableTransferEncoding(MultiMap headers) {
        var all = headers.getAll("transfer-encoding");
        return all.isEmpty() || (all.size() == 1 && all.get(0).trim().equalsIgnoreCase("chunked"));
    }
}
