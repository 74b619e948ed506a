package dev.portcullis.gateway.ssh;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns one byte stream into text chunk by chunk. A multi-byte UTF-8 character split across two SSH packets
 * is held back (at most three bytes) and completed by the next chunk, so it is never recorded as two
 * replacement characters; bytes that are not UTF-8 at all become U+FFFD, as a terminal would show them.
 */
final class Utf8Text {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final byte[] carry = new byte[4];
    private int carried;

    String decode(byte[] bytes, int offset, int length) {
        ByteBuffer in;
        if (carried == 0) {
            in = ByteBuffer.wrap(bytes, offset, length);
        } else {
            byte[] joined = new byte[carried + length];
            System.arraycopy(carry, 0, joined, 0, carried);
            System.arraycopy(bytes, offset, joined, carried, length);
            in = ByteBuffer.wrap(joined);
        }
        // UTF-8 never yields more UTF-16 units than bytes.
        CharBuffer out = CharBuffer.allocate(in.remaining());
        decoder.decode(in, out, false);
        carried = in.remaining();
        in.get(carry, 0, carried);
        return out.flip().toString();
    }

    /** What is still held back, at the end of the stream: an incomplete character is shown as U+FFFD. */
    String finish() {
        if (carried == 0) {
            return "";
        }
        CharBuffer out = CharBuffer.allocate(carried + 1);
        ByteBuffer in = ByteBuffer.wrap(carry, 0, carried);
        decoder.decode(in, out, true);
        decoder.flush(out);
        carried = 0;
        decoder.reset();
        return out.flip().toString();
    }
}
