package dev.portcullis.integrity;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DigestsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sha256HexMatchesTheFips180Vectors() {
        assertThat(Digests.sha256Hex(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Digests.sha256Hex(utf8("abc")))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Digests.sha256Hex(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }

    @Test
    void sha256OfSeveralPartsIsTheDigestOfTheirConcatenation() {
        assertThat(Digests.sha256(utf8("a"), utf8("b"), new byte[0], utf8("c"))).isEqualTo(Digests.sha256(utf8("abc")));
        assertThat(Digests.sha256(utf8("ab"), utf8("c"))).isNotEqualTo(Digests.sha256(utf8("ab"), utf8("d")));
    }

    @Test
    void ofCanonicalDigestsTheCanonicalJsonText() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", List.of(1, 4.50));
        value.put("a", "x");
        assertThat(Digests.ofCanonical(value)).isEqualTo(Digests.sha256Hex(utf8("{\"a\":\"x\",\"b\":[1,4.5]}")));
    }

    @Test
    void ofCanonicalIgnoresKeyOrderButNotValues() {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("ticket", "CHG-1");
        one.put("maxSessions", 1);
        Map<String, Object> reordered = new LinkedHashMap<>();
        reordered.put("maxSessions", 1);
        reordered.put("ticket", "CHG-1");

        assertThat(Digests.ofCanonical(one)).isEqualTo(Digests.ofCanonical(reordered));
        assertThat(Digests.ofCanonical(one)).isNotEqualTo(Digests.ofCanonical(Map.of("ticket", "CHG-1", "maxSessions", 2)));
        assertThat(Digests.ofCanonical(one)).isNotEqualTo(Digests.ofCanonical(Map.of("ticket", "CHG-1", "maxSessions", "1")));
    }

    @Test
    void digestsAreLowercaseHexOf64Characters() {
        assertThat(Digests.ofCanonical(Map.of("k", "v"))).matches("[0-9a-f]{64}");
    }
}
