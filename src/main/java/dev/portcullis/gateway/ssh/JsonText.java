package dev.portcullis.gateway.ssh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One byte stream written as the inside of a JSON string, chunk by chunk, straight from bytes to bytes. A
 * UTF-8 character split across two SSH packets is held back (at most three bytes) and completed by the next
 * chunk, so it is never recorded as two replacement characters; bytes that are not UTF-8 become U+FFFD, as a
 * terminal shows them. Working on bytes, without decoding to UTF-16 and encoding back, and writing runs of one
 * escaped byte (binary output: NULs become {@code \u0000}, six bytes each — JSON has nothing shorter) by block
 * copies keeps recording cheap enough to run on every byte of a bulk transfer.
 */
final class JsonText {

    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final byte[] carry = new byte[3];
    private int carried;

    /** A growable byte array: the line being built. */
    static final class Sink {
        byte[] bytes = new byte[256];
        int length;

        void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }

        void put(byte b) {
            ensure(1);
            bytes[length++] = b;
        }

        void put(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }
    }

    /** Appends {@code len} bytes of the stream, escaped; an incomplete character at the end waits for the next call. */
    void encode(byte[] in, int off, int len, Sink out) {
        if (carried > 0) {
            byte[] joined = new byte[carried + len];
            System.arraycopy(carry, 0, joined, 0, carried);
            System.arraycopy(in, off, joined, carried, len);
            carried = 0;
            encode(joined, 0, joined.length, out);
            return;
        }
        out.ensure(len * 6);
        byte[] o = out.bytes;
        int w = out.length;
        int end = off + len;
        int i = off;
        while (i < end) {
            int b = in[i] & 0xff;
            if (plain(b)) {
                // Printable ASCII, the bulk of terminal output: find where the run ends eight bytes at a time,
                // then copy it whole. A byte-by-byte loop was most of the recorder's time on text output.
                int run = i + 1;
                while (run + Long.BYTES <= end && !special((long) LONGS.get(in, run))) {
                    run += Long.BYTES;
                }
                while (run < end && plain(in[run] & 0xff)) {
                    run++;
                }
                System.arraycopy(in, i, o, w, run - i);
                w += run - i;
                i = run;
                continue;
            }
            if (b < 0x80) {
                // Binary output (a dd of /dev/zero, a core dump to the terminal) is long runs of one control
                // byte: write its escape once, then double it with array copies instead of byte by byte.
                int run = 1;
                while (i + run < end && in[i + run] == in[i]) {
                    run++;
                }
                int start = w;
                w = escape(b, o, w);
                int width = w - start;
                int total = width * run;
                for (int done = width; done < total; ) {
                    int n = Math.min(done, total - done);
                    System.arraycopy(o, start, o, start + done, n);
                    done += n;
                }
                w = start + total;
                i += run;
                continue;
            }
            int need = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            if (need == 0) {
                w = replace(o, w);
                i++;
                continue;
            }
            int valid = validPrefix(in, i, Math.min(need, end - i), b);
            if (valid == need) {
                for (int k = 0; k < need; k++) {
                    o[w++] = in[i + k];
                }
                i += need;
            } else if (i + valid == end) {
                // Incomplete but so far correct: the rest comes in the next chunk.
                System.arraycopy(in, i, carry, 0, valid);
                carried = valid;
                i = end;
            } else {
                w = replace(o, w);
                i += Math.max(1, valid);
            }
        }
        out.length = w;
    }

    /** End of stream: a character still incomplete is shown as U+FFFD. */
    void finish(Sink out) {
        if (carried > 0) {
            out.put(REPLACEMENT);
            carried = 0;
        }
    }

    // How many bytes from {@code i} (lead byte {@code lead}, at most {@code available}) form a correct prefix of
    // one character: continuation bytes, and no overlong forms, surrogates or code points beyond U+10FFFF.
    private static int validPrefix(byte[] in, int i, int available, int lead) {
        int n = 1;
        while (n < available) {
            int c = in[i + n] & 0xff;
            int lo = 0x80;
            int hi = 0xBF;
            if (n == 1) {
                if (lead == 0xE0) {
                    lo = 0xA0;
                } else if (lead == 0xED) {
                    hi = 0x9F;
                } else if (lead == 0xF0) {
                    lo = 0x90;
                } else if (lead == 0xF4) {
                    hi = 0x8F;
                }
            }
            if (c < lo || c > hi) {
                return n;
            }
            n++;
        }
        return n;
    }

    private static boolean plain(int b) {
        return b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * Whether any of eight bytes is not {@link #plain}: below 0x20, 0x80 and above, a quote or a backslash (the
     * bit tricks of "Bit Twiddling Hacks": a byte below n, a byte equal to zero; each answers exactly whether any
     * byte matches, which is all this needs).
     */
    static boolean special(long x) {
        long below20 = (x - 0x20 * ONES) & ~x;
        long quote = x ^ ('"' * ONES);
        long backslash = x ^ ('\\' * ONES);
        long hasQuote = (quote - ONES) & ~quote;
        long hasBackslash = (backslash - ONES) & ~backslash;
        return ((below20 | x | hasQuote | hasBackslash) & HIGH_BITS) != 0;
    }

    private static int escape(int b, byte[] o, int w) {
        o[w++] = '\\';
        switch (b) {
            case '"' -> o[w++] = '"';
            case '\\' -> o[w++] = '\\';
            case '\n' -> o[w++] = 'n';
            case '\r' -> o[w++] = 'r';
            case '\t' -> o[w++] = 't';
            case '\b' -> o[w++] = 'b';
            case '\f' -> o[w++] = 'f';
            default -> {
                o[w++] = 'u';
                o[w++] = '0';
                o[w++] = '0';
                o[w++] = HEX[b >> 4];
                o[w++] = HEX[b & 0xf];
            }
        }
        return w;
    }

    private static int replace(byte[] o, int w) {
        o[w++] = REPLACEMENT[0];
        o[w++] = REPLACEMENT[1];
        o[w++] = REPLACEMENT[2];
        return w;
    }
}
