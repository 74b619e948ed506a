package dev.portcullis.gateway.http;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which headers cross, whatever case a client writes their names in. */
class HeadersTest {

    private static List<String> copied(MultiMap to) {
        List<String> lines = new ArrayList<>();
        to.forEach((name, value) -> lines.add(name + ": " + value));
        return lines;
    }

    @Test
    void upstreamLosesHopByHopCredentialsAndForwardingHeadersInAnyCaseAndKeepsTheRestInOrder() {
        MultiMap from = MultiMap.caseInsensitiveMultiMap()
                .add("Accept", "application/json")
                .add("AUTHORIZATION", "Bearer vendor")
                .add("Cookie", "a=1")
                .add("Connection", "keep-alive, X-Hop")
                .add("x-hop", "per connection")
                .add("Proxy-Anything", "no")
                .add("X-Forwarded-For", "6.6.6.6")
                .add("Forwarded", "for=6.6.6.6")
                .add("TE", "trailers")
                .add("Host", "vendor.example")
                .add("Content-Length", "5")
                .add("X-Request-Id", "1")
                .add("x-request-id", "2");
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        Headers.toUpstream(from, to);
        assertThat(copied(to)).containsExactly("Accept: application/json", "X-Request-Id: 1", "x-request-id: 2");
    }

    @Test
    void vendorGetsTheTargetsCookiesButNotItsHopByHopHeaders() {
        MultiMap from = MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add("Set-Cookie", "s=1")
                .add("Set-Cookie", "t=2")
                .add("Connection", "X-Upstream-Hop")
                .add("X-UPSTREAM-HOP", "no")
                .add("Transfer-Encoding", "chunked")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Authenticate", "Basic");
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        Headers.toVendor(from, to);
        assertThat(copied(to)).containsExactly("Content-Type: application/json", "Set-Cookie: s=1", "Set-Cookie: t=2");
    }
}
