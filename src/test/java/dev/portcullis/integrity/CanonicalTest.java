package dev.portcullis.integrity;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RFC 8785, JSON Canonicalization Scheme: the examples of sections 3.2.2 and 3.2.3 and Appendix B. */
class CanonicalTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Object json(String text) throws Exception {
        return JSON.readValue(text, Object.class);
    }

    @Test
    void rfc8785MainExampleCanonicalisesToTheRfcBytes() throws Exception {
        Object input = json("""
                {
                  "numbers": [333333333.33333329, 1E30, 4.50,
                              2e-3, 0.000000000000000000000000001],
                  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
                  "literals": [null, true, false]
                }
                """);

        assertThat(Canonical.string(input)).isEqualTo(
                "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                        + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
        // the RFC's hex rendering of the same output (section 3.2.4)
        assertThat(HexFormat.of().formatHex(Canonical.bytes(input))).isEqualTo((""
                + "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72"
                + "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a"
                + "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31"
                + "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37"
                + "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30"
                + "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d").replace(" ", ""));
    }

    @Test
    void rfc8785PropertySortingUsesUtf16CodeUnits() throws Exception {
        Object input = json("""
                {
                  "\\u20ac": "Euro Sign",
                  "\\r": "Carriage Return",
                  "\\ufb33": "Hebrew Letter Dalet With Dagesh",
                  "1": "One",
                  "\\ud83d\\ude00": "Emoji: Grinning Face",
                  "\\u0080": "Control",
                  "\\u00f6": "Latin Small Letter O With Diaeresis"
                }
                """);

        assertThat(Canonical.string(input)).isEqualTo("{"
                + "\"\\r\":\"Carriage Return\","
                + "\"1\":\"One\","
                + "\"\u0080\":\"Control\","
                + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
                + "\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\","
                + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\""
                + "}");
    }

    @Test
    void keyOrderOfTheInputDoesNotMatter() {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("b", 1);
        one.put("a", Map.of("z", 1, "y", 2));
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("a", Map.of("y", 2, "z", 1));
        other.put("b", 1);

        assertThat(Canonical.bytes(one)).isEqualTo(Canonical.bytes(other));
        assertThat(Canonical.string(one)).isEqualTo("{\"a\":{\"y\":2,\"z\":1},\"b\":1}");
    }

    @Test
    void arraysKeepTheirOrder() {
        assertThat(Canonical.string(List.of(3, 1, 2))).isEqualTo("[3,1,2]");
        assertThat(Canonical.string(List.of(List.of("b", "a"), Map.of()))).isEqualTo("[[\"b\",\"a\"],{}]");
    }

    @Test
    void noInsignificantWhitespaceIsEmitted() throws Exception {
        assertThat(Canonical.string(json("{ \"a\" : [ 1 , 2 ] ,\n \"b\" : { } }"))).isEqualTo("{\"a\":[1,2],\"b\":{}}");
    }

    @Test
    void numbersFollowEcmaScriptFormatting() {
        assertThat(Canonical.string(List.of(1e30, 4.50, 0.002, -0.0, 0.0, 1e21, 1e20, 1e-7, 1e-6, 100.0, -1.5)))
                .isEqualTo("[1e+30,4.5,0.002,0,0,1e+21,100000000000000000000,1e-7,0.000001,100,-1.5]");
    }

    @Test
    void integersAreWrittenWithoutFractionOrExponent() {
        assertThat(Canonical.string(List.of(0, 42, -7, 9007199254740991L, 1234567890123L)))
                .isEqualTo("[0,42,-7,9007199254740991,1234567890123]");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0000000000000000, 0",
            "8000000000000000, 0",
            "0000000000000001, 5e-324",
            "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308",
            "ffefffffffffffff, -1.7976931348623157e+308",
            "4340000000000000, 9007199254740992",
            "c340000000000000, -9007199254740992",
            "4430000000000000, 295147905179352830000",
            "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23",
            "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000",
            "444b1ae4d6e2ef4f, 999999999999999900000",
            "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
            "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332",
            "41b3de4355555554, 333333333.33333325",
            "41b3de4355555555, 333333333.3333333",
            "41b3de4355555556, 333333333.3333334",
            "41b3de4355555557, 333333333.33333343",
            "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2",
    })
    void rfc8785AppendixBNumbers(String ieeeHex, String expected) {
        double value = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));
        assertThat(Canonical.string(List.of(value))).isEqualTo("[" + expected + "]");
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteNumbersAreRefused(double value) {
        // RFC 8785 3.2.2.3: NaN and Infinity must cause an error, not turn into the strings "NaN"/"Infinity"
        assertThatThrownBy(() -> Canonical.bytes(List.of(value))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Canonical.bytes(Map.of("x", value))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void controlCharactersUseShortEscapesOrLowercaseUnicodeEscapes() {
        String all = "\b\t\n\f\r\u0000\u0001\u001f";
        assertThat(Canonical.string(List.of(all))).isEqualTo("[\"\\b\\t\\n\\f\\r\\u0000\\u0001\\u001f\"]");
    }

    @Test
    void quoteAndBackslashAreEscapedAndNothingElseIs() {
        assertThat(Canonical.string(List.of("\"\\/<>&'\u007f\u00e9\u20ac")))
                .isEqualTo("[\"\\\"\\\\/<>&'\u007f\u00e9\u20ac\"]");
    }

    @Test
    void nonAsciiIsEncodedAsUtf8() {
        byte[] bytes = Canonical.bytes(List.of("\u00e9\ud83d\ude00"));
        assertThat(bytes).isEqualTo(new byte[]{'[', '"', (byte) 0xc3, (byte) 0xa9,
                (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, '"', ']'});
        assertThat(Canonical.string(List.of("\u00e9\ud83d\ude00"))).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void literalsAreWrittenAsIs() {
        assertThat(Canonical.string(Arrays.asList(null, true, false))).isEqualTo("[null,true,false]");
    }

    @Test
    void topLevelPrimitivesAreJsonValuesToo() {
        assertThat(Canonical.string("h\u00e9\n")).isEqualTo("\"h\u00e9\\n\"");
        assertThat(Canonical.string(4.50)).isEqualTo("4.5");
        assertThat(Canonical.string(42)).isEqualTo("42");
        assertThat(Canonical.string(true)).isEqualTo("true");
        assertThat(Canonical.string(null)).isEqualTo("null");
    }

    @Test
    void valueThatIsNotJsonIsRefused() {
        assertThatThrownBy(() -> Canonical.bytes(Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON value");
    }
}
