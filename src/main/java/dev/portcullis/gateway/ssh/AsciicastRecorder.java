package dev.portcullis.gateway.ssh;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Writes one session as an asciicast v2 file (a JSON header line, then one {@code [time, code, data]} line
 * per chunk: {@code o} output, {@code i} input, {@code r} resize, {@code m} marker) and hands every line to a live consumer
 * (the event bus). The SHA-256 of the file is computed as it is written — on another thread, see
 * {@link BackgroundDigest} — so it is known the moment the session ends.
 *
 * <p>Used through a {@link RecordingQueue}, from one recorder thread at a time; the event times are those at
 * which the chunks passed the gateway, not those at which they are written.
 */
final class AsciicastRecorder {

    /** Which byte stream a chunk came from: each has its own UTF-8 state, so splits in one never garble another. */
    enum Stream { STDOUT, STDERR, STDIN }

    /** Receives every line as it is written, with its index in the file (the header is line 0). */
    @FunctionalInterface
    interface LiveLine {
        void accept(long index, String line);
    }

    /** What the ledger gets when the session ends. */
    record Summary(Path file, String sha256, long fileBytes, long outputBytes, long inputBytes) {
    }

    /** The most bytes of one stream written as one event. */
    static final int MAX_EVENT_BYTES = 32 * 1024;

    private final Path file;
    private final OutputStream out;
    private final BackgroundDigest digest;
    private final LiveLine live;
    private long lines;
    private final boolean recordInput;
    private final long startNanos = System.nanoTime();
    private final Map<Stream, JsonText> text = Map.of(Stream.STDOUT, new JsonText(), Stream.STDERR, new JsonText(),
            Stream.STDIN, new JsonText());
    private final JsonText.Sink line = new JsonText.Sink();
    private long fileBytes;
    private long outputBytes;
    private long inputBytes;
    private Summary summary;

    private AsciicastRecorder(Path file, OutputStream out, boolean recordInput, LiveLine live, Executor hashing) {
        this.file = file;
        this.out = out;
        this.recordInput = recordInput;
        this.live = live;
        this.digest = new BackgroundDigest(hashing);
    }

    /**
     * Creates the file (it must not exist) and writes the header.
     *
     * @param env the terminal's environment worth replaying with ({@code TERM}, {@code SHELL})
     * @param hashing where the file's SHA-256 is computed, beside the thread that writes it
     */
    static AsciicastRecorder create(Path file, int width, int height, long startEpochSeconds, String title,
                                    Map<String, String> env, boolean recordInput, LiveLine live, Executor hashing) throws IOException {
        Files.createDirectories(file.getParent());
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), 64 * 1024);
        AsciicastRecorder recorder = new AsciicastRecorder(file, out, recordInput, live, hashing);
        StringBuilder header = new StringBuilder(160).append("{\"version\": 2, \"width\": ").append(width)
                .append(", \"height\": ").append(height).append(", \"timestamp\": ").append(startEpochSeconds)
                .append(", \"title\": ");
        quote(header, title);
        header.append(", \"env\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : env.entrySet()) {
            header.append(first ? "" : ", ");
            quote(header, e.getKey());
            header.append(": ");
            quote(header, e.getValue());
            first = false;
        }
        header.append("}}\n");
        recorder.emit(header.toString().getBytes(StandardCharsets.UTF_8));
        return recorder;
    }

    boolean recordsInput() {
        return recordInput;
    }

    synchronized void output(Stream stream, byte[] bytes, int offset, int length, long atNanos) {
        outputBytes += length;
        // A bulk chunk becomes several events of the same moment: lines (and live-feed strings) stay small
        // however much a pump moves at once. A character split between them is carried over by JsonText.
        for (int from = offset, end = offset + length; from < end; from += MAX_EVENT_BYTES) {
            event("o", text.get(stream), bytes, from, Math.min(MAX_EVENT_BYTES, end - from), atNanos);
        }
    }

    synchronized void input(byte[] bytes, int offset, int length, long atNanos) {
        inputBytes += length;
        if (recordInput) {
            event("i", text.get(Stream.STDIN), bytes, offset, length, atNanos);
        }
    }

    synchronized void resize(int columns, int rows, long atNanos) {
        byte[] size = (columns + "x" + rows).getBytes(StandardCharsets.US_ASCII);
        event("r", new JsonText(), size, 0, size.length, atNanos);
    }

    synchronized void mark(String label, long atNanos) {
        byte[] text = label.getBytes(StandardCharsets.UTF_8);
        event("m", new JsonText(), text, 0, text.length, atNanos);
    }

    /**
     * Makes every line written so far readable in the file and answers how many there are: a live viewer reads
     * that many lines from the file and takes every later one from the live feed.
     */
    synchronized long flush() {
        if (summary == null) {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }

    /** Flushes what UTF-8 held back, closes the file and answers its digest; later calls answer the same. */
    synchronized Summary finish() {
        if (summary != null) {
            return summary;
        }
        for (Stream stream : Stream.values()) {
            if (stream != Stream.STDIN || recordInput) {
                event(stream == Stream.STDIN ? "i" : "o", text.get(stream), new byte[0], 0, 0, System.nanoTime());
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        summary = new Summary(file, digest.hex(), fileBytes, outputBytes, inputBytes);
        return summary;
    }

    private void event(String code, JsonText stream, byte[] bytes, int offset, int length, long atNanos) {
        if (summary != null) {
            return;
        }
        long micros = Math.max(0, atNanos - startNanos) / 1000;
        String fraction = Long.toString(micros % 1_000_000);
        String prefix = "[" + micros / 1_000_000 + "." + "000000".substring(fraction.length()) + fraction + ", \"" + code + "\", \"";
        line.length = 0;
        line.put(prefix.getBytes(StandardCharsets.US_ASCII));
        int before = line.length;
        stream.encode(bytes, offset, length, line);
        if (length == 0) {
            stream.finish(line);
        }
        if (line.length == before) {
            return;
        }
        line.put((byte) '"');
        line.put((byte) ']');
        line.put((byte) '\n');
        // The line buffer is reused for the next event; the digest, hashing later, gets a copy.
        emit(Arrays.copyOf(line.bytes, line.length));
    }

    // One line, newline included: to the file, into the digest, and (without the newline) to the live feed.
    private void emit(byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        digest.update(bytes);
        fileBytes += bytes.length;
        live.accept(lines++, new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8));
    }

    /** Appends {@code s} as a JSON string literal. */
    static void quote(StringBuilder to, String s) {
        to.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> to.append("\\\"");
                case '\\' -> to.append("\\\\");
                case '\n' -> to.append("\\n");
                case '\r' -> to.append("\\r");
                case '\t' -> to.append("\\t");
                case '\b' -> to.append("\\b");
                case '\f' -> to.append("\\f");
                default -> {
                    if (c < 0x20) {
                        to.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        to.append(c);
                    }
                }
            }
        }
        to.append('"');
    }
}
