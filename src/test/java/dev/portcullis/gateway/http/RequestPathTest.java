package dev.portcullis.gateway.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestPathTest {

    private static RequestPath.Result n(String raw) {
        return RequestPath.normalise(raw);
    }

    @Test
    void normalPathsPassUnchanged() {
        assertThat(n("/orders/42").checked()).isEqualTo("/orders/42");
        assertThat(n("/orders/42").upstream()).isEqualTo("/orders/42");
        assertThat(n("/").checked()).isEqualTo("/");
        assertThat(n("").checked()).isEqualTo("/");
        assertThat(n("/a/b/").checked()).isEqualTo("/a/b/");
    }

    @Test
    void dotSegmentsResolveWithinTheTargetOnly() {
        assertThat(n("/a/./b/../c").checked()).isEqualTo("/a/c");
        assertThat(n("/a/..").checked()).isEqualTo("/");
        assertThat(n("/../admin").refusal()).isEqualTo("path_traversal");
        assertThat(n("/a/../../admin").refusal()).isEqualTo("path_traversal");
        assertThat(n("//a///b").checked()).isEqualTo("/a/b");
    }

    @Test
    void escapesAreDecodedOnceAndReEncodedForTheTarget() {
        RequestPath.Result r = n("/files/na%C3%AFve%20name");
        assertThat(r.checked()).isEqualTo("/files/naïve name");
        assertThat(r.upstream()).isEqualTo("/files/na%C3%AFve%20name");
        assertThat(n("/x/%41%42").checked()).isEqualTo("/x/AB");
        assertThat(n("/x/%41%42").upstream()).isEqualTo("/x/AB");
    }

    @Test
    void ambiguousEncodingsAreRefusedRatherThanGuessed() {
        assertThat(n("/a/%2e%2e/b").refusal()).isEqualTo("encoded_dot");
        assertThat(n("/a/.%2E/b").refusal()).isEqualTo("encoded_dot");
        assertThat(n("/a%2Fb").refusal()).isEqualTo("encoded_slash");
        assertThat(n("/a%5cb").refusal()).isEqualTo("encoded_slash");
        assertThat(n("/a\\b").refusal()).isEqualTo("bad_path");
        assertThat(n("/a%252e").refusal()).isEqualTo("double_encoding");
        assertThat(n("/a%00").refusal()).isEqualTo("bad_path");
        assertThat(n("/a%0d%0aX: y").refusal()).isEqualTo("bad_path");
        assertThat(n("/a%").refusal()).isEqualTo("bad_path");
        assertThat(n("/a%g1").refusal()).isEqualTo("bad_path");
        assertThat(n("/a%C3%28").refusal()).isEqualTo("bad_path");
        assertThat(n("a/b").refusal()).isEqualTo("bad_path");
    }
}
