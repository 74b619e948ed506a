package dev.portcullis.gateway.ssh;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8TextTest {

    @Test
    void multiByteCharacterSplitAnywhereDecodesWhole() {
        byte[] text = "a🎉日é".getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= text.length; split++) {
            for (int second = split; second <= text.length; second++) {
                Utf8Text decoder = new Utf8Text();
                String decoded = decoder.decode(text, 0, split) + decoder.decode(text, split, second - split)
                        + decoder.decode(text, second, text.length - second) + decoder.finish();
                assertThat(decoded).as("split at %d and %d", split, second).isEqualTo("a🎉日é");
            }
        }
    }

    @Test
    void bytesThatAreNotUtf8BecomeReplacementCharacters() {
        Utf8Text decoder = new Utf8Text();

        assertThat(decoder.decode(new byte[]{'x', (byte) 0xff, 'y'}, 0, 3)).isEqualTo("x\uFFFDy");
        assertThat(decoder.decode(new byte[]{(byte) 0xf0, (byte) 0x9f}, 0, 2)).isEmpty();
        assertThat(decoder.finish()).isEqualTo("\uFFFD");
    }

    @Test
    void quotesControlCharactersAsJson() {
        StringBuilder out = new StringBuilder();
        AsciicastRecorder.quote(out, "a\"b\\c\n\r\t\u0000\u001b[0m");
        assertThat(out).hasToString("\"a\\\"b\\\\c\\n\\r\\t\\u0000\\u001b[0m\"");
    }
}
