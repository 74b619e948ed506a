package dev.portcullis.gateway.ssh;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTextTest {

    @Test
    void multiByteCharacterSplitAnywhereIsWrittenWhole() {
        byte[] text = "a🎉日é".getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= text.length; split++) {
            for (int second = split; second <= text.length; second++) {
                JsonText stream = new JsonText();
                JsonText.Sink out = new JsonText.Sink();
                stream.encode(text, 0, split, out);
                stream.encode(text, split, second - split, out);
                stream.encode(text, second, text.length - second, out);
                stream.finish(out);
                assertThat(decoded(out)).as("split at %d and %d", split, second).isEqualTo("a🎉日é");
            }
        }
    }

    @Test
    void bytesThatAreNotUtf8BecomeReplacementCharacters() {
        JsonText stream = new JsonText();
        JsonText.Sink out = new JsonText.Sink();

        stream.encode(new byte[]{'x', (byte) 0xff, 'y', (byte) 0xc0, (byte) 0xaf, (byte) 0xed, (byte) 0xa0, (byte) 0x80}, 0, 8, out);
        assertThat(decoded(out)).isEqualTo("x\uFFFDy\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");

        JsonText.Sink tail = new JsonText.Sink();
        stream.encode(new byte[]{(byte) 0xf0, (byte) 0x9f}, 0, 2, tail);
        assertThat(tail.length).isZero();
        stream.finish(tail);
        assertThat(decoded(tail)).isEqualTo("\uFFFD");
    }

    @Test
    void escapesWhatJsonRequiresAndNothingElse() {
        byte[] raw = "a\"b\\c\n\r\t\u0000\u001b[0m/é".getBytes(StandardCharsets.UTF_8);
        JsonText.Sink out = new JsonText.Sink();
        new JsonText().encode(raw, 0, raw.length, out);

        assertThat(new String(out.bytes, 0, out.length, StandardCharsets.UTF_8))
                .isEqualTo("a\\\"b\\\\c\\n\\r\\t\\u0000\\u001b[0m/é");
        assertThat(decoded(out)).isEqualTo("a\"b\\c\n\r\t\u0000\u001b[0m/é");
    }

    @Test
    void runsOfControlBytesAreEscapedOneByOne() {
        byte[] raw = new byte[70_001];
        raw[1000] = 'x';
        raw[1001] = '\n';
        raw[1002] = '\n';
        java.util.Arrays.fill(raw, 2000, 3000, (byte) 0x1b);
        JsonText.Sink out = new JsonText.Sink();
        JsonText stream = new JsonText();
        stream.encode(raw, 0, 40_000, out);
        stream.encode(raw, 40_000, raw.length - 40_000, out);

        assertThat(decoded(out)).isEqualTo(new String(raw, StandardCharsets.UTF_8));
        assertThat(out.length).isEqualTo((raw.length - 3) * 6 + 1 + 2 * 2);
    }

    /** Text with every kind of byte at every offset of the eight-byte scan, in chunks of every size: exact JSON. */
    @Test
    void textRunsScannedEightBytesAtATimeStayExact() {
        String[] pieces = {"plain text ", "\"", "\\", "\n", "\u0000", "\u001b[1m", "\u007f", "é", "€", "😀", "/", " "};
        java.util.Random random = new java.util.Random(7);
        StringBuilder text = new StringBuilder();
        while (text.length() < 200_000) {
            String piece = pieces[random.nextInt(pieces.length)];
            text.append(random.nextInt(4) == 0 ? "x".repeat(random.nextInt(40)) : "").append(piece);
        }
        byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
        JsonText.Sink out = new JsonText.Sink();
        JsonText stream = new JsonText();
        for (int from = 0; from < raw.length; ) {
            int n = Math.min(raw.length - from, 1 + random.nextInt(100));
            stream.encode(raw, from, n, out);
            from += n;
        }
        stream.finish(out);

        assertThat(decoded(out)).isEqualTo(text.toString());
        String json = new String(out.bytes, 0, out.length, StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\u0000").doesNotContain("\n");
    }

    @Test
    void theEightByteTestFindsEverySpecialByteAnywhere() {
        for (int position = 0; position < 8; position++) {
            for (int b = 0; b < 256; b++) {
                long word = 0x6161616161616161L; // "aaaaaaaa"
                word = (word & ~(0xffL << (8 * position))) | ((long) b << (8 * position));
                boolean special = b < 0x20 || b >= 0x80 || b == '"' || b == '\\';
                assertThat(JsonText.special(word)).as("byte %02x at %d", b, position).isEqualTo(special);
            }
        }
    }

    private static String decoded(JsonText.Sink out) {
        return new JsonArray("[\"" + new String(out.bytes, 0, out.length, StandardCharsets.UTF_8) + "\"]").getString(0);
    }
}
