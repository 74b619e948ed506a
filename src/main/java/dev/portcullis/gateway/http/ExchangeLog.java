package dev.portcullis.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP session's recording: one JSON line per exchange, appended to {@code <session>.jsonl} in order by a
 * recorder thread (never the event loop), SHA-256 kept as it is written. The file holds no bodies, no headers and
 * no query strings: those may carry secrets. Each line is handed to a live consumer as it is written, with its index
 * in the file, so a viewer can join the file it has read with the feed it subscribed to (see {@link #flushed}).
 */
final class ExchangeLog {

    /** What the ledger gets when the session ends. */
    record Summary(String sha256, long bytes, long lines) {
    }

    /** Receives every line as it is written, on the recorder thread, in file order, with its index (0 is the first). */
    @FunctionalInterface
    interface LiveLine {
        void accept(long index, String line);
    }

    private final Path file;
    private final Executor recorder;
    private final LiveLine live;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final MessageDigest digest;
    private OutputStream out;
    private boolean closed; // recorder thread only
    private long bytes;
    private long lines;
    private volatile IOException failure;

    ExchangeLog(Path file, Executor recorder, LiveLine live) {
        this.file = file;
        this.recorder = recorder;
        this.live = live;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Path file() {
        return file;
    }

    /** Queues a line; it reaches the file at the next {@link #flush} (the gateway calls it every few milliseconds). */
    void append(String line) {
        enqueue(() -> {
            if (closed) {
                return; // an exchange that finished after its session ended: the recording is sealed
            }
            if (out == null) {
                out = new BufferedOutputStream(new DigestOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), digest), 16 * 1024);
            }
            byte[] encoded = (line + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(encoded);
            bytes += encoded.length;
            live.accept(lines++, line);
        });
    }

    /**
     * Completes, in order with the lines, with the number of lines in the file once everything queued before it is
     * on disk: a live viewer reads that many from the file and takes every later one from the live feed.
     */
    Future<Long> flushed() {
        Promise<Long> done = Promise.promise();
        submit(() -> {
            try {
                if (out != null && !closed) {
                    out.flush();
                }
            } catch (IOException e) {
                failure = e;
            }
            if (failure != null) {
                done.fail(new UncheckedIOException("recording " + file + " failed", failure));
            } else {
                done.complete(lines);
            }
        });
        return done.future();
    }

    /** Completes once every line queued before it is on disk and the file is closed. */
    Future<Summary> finish() {
        Promise<Summary> done = Promise.promise();
        submit(() -> {
            if (!closed) {
                closed = true;
                if (out == null) {
                    Files.write(file, new byte[0]);
                } else {
                    out.close();
                }
            }
            if (failure != null) {
                done.fail(new UncheckedIOException("recording " + file + " failed", failure));
            } else {
                done.complete(new Summary(HexFormat.of().formatHex(digest.digest()), bytes, lines));
            }
        });
        return done.future();
    }

    private interface Work {
        void run() throws IOException;
    }

    /** Hands what is queued to the recorder thread; batching lines keeps thread wake-ups off the per-request path. */
    void flush() {
        if (!tasks.isEmpty() && draining.compareAndSet(false, true)) {
            recorder.execute(this::drain);
        }
    }

    private void enqueue(Work work) {
        tasks.add(() -> {
            try {
                work.run();
            } catch (IOException e) {
                failure = e;
            }
        });
    }

    private void submit(Work work) {
        enqueue(work);
        flush();
    }

    private void drain() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            failure = e;
        }
        draining.set(false);
        if (!tasks.isEmpty() && draining.compareAndSet(false, true)) {
            recorder.execute(this::drain);
        }
    }
}
