package dev.portcullis.gateway.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1: Connection and every header it names,
 * Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*) belong to one connection and never cross; the
 * vendor's own credentials (Authorization, Cookie) never reach the target; forwarding headers a client sent are
 * dropped, since the gateway is the edge and writes its own.
 */
final class Headers {

    private Headers() {
    }

    private static final HttpHeaders NOT_UPSTREAM = names("connection", "keep-alive", "te", "trailer", "transfer-encoding",
            "upgrade", "proxy-connection", "proxy-authorization", "proxy-authenticate", "http2-settings", "authorization",
            "cookie", "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-forwarded-port", "forwarded", "x-real-ip");
    private static final HttpHeaders NOT_DOWNSTREAM = names("connection", "keep-alive", "te", "trailer", "transfer-encoding",
            "upgrade", "proxy-connection", "proxy-authorization", "proxy-authenticate", "http2-settings", "content-length");

    /** Copies what may go upstream from {@code from} into {@code to}. */
    static void toUpstream(MultiMap from, MultiMap to) {
        copyWithout(from, to, NOT_UPSTREAM);
    }

    /** Copies what may go back to the vendor; the target's cookies pass (they are the target's session, not ours). */
    static void toVendor(MultiMap from, MultiMap to) {
        copyWithout(from, to, NOT_DOWNSTREAM);
    }

    /**
     * One pass over the headers, each name looked up once in a case-insensitive hash set (Netty's header map, used
     * as one): per request, cheaper than copying everything and then removing each excluded name.
     */
    private static void copyWithout(MultiMap from, MultiMap to, HttpHeaders excluded) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (excluded.contains(name) || name.regionMatches(true, 0, "proxy-", 0, 6)
                    || named != null && named.contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            to.add(name, header.getValue());
        }
    }

    private static HttpHeaders names(String... names) {
        HttpHeaders set = new DefaultHttpHeaders();
        for (String name : names) {
            set.add(name, "");
        }
        return set;
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
