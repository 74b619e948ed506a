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

    private static String decoded(JsonText.Sink out) {
        return new JsonArray("[\"" + new String(out.bytes, 0, out.length, StandardCharsets.UTF_8) + "\"]").getString(0);
    }
}
