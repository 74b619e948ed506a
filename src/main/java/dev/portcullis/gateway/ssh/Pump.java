package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

import java.io.EOFException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Moves bytes one way between two channels with explicit flow control: it reads the next chunk only when the
 * previous write has completed and the tap (the recording) has taken the previous chunk. The reading channel
 * gives window back to its peer only as chunks are read, so a slow reader on one side throttles the writer on
 * the other through SSH's own windows — no thread per session, no polling, and at most one window of data
 * buffered per direction.
 */
final class Pump {

    /**
     * Sees every chunk on its way through; must not keep the array, and must call {@code ready} exactly once,
     * at once or when it can take more.
     */
    interface Tap {
        void chunk(byte[] bytes, int offset, int length, Runnable ready);
    }

    /**
     * The most a pump in a bulk transfer moves per cycle. Each cycle costs hand-offs between I/O threads (read,
     * write completion), so with one small chunk in flight a busy machine bounds throughput by its scheduling
     * latency; a bigger chunk moves more per hand-off, while SSH's window keeps the sender going meanwhile.
     */
    static final int BULK_CHUNK = 256 * 1024;

    private final IoInputStream from;
    private final IoOutputStream to;
    private final int chunkSize;
    private final int bulkChunk;
    private final Tap tap;
    private final Consumer<Throwable> ended;
    private final AtomicBoolean done = new AtomicBoolean();
    /**
     * The buffer this pump reads into, again and again: the next read starts only once the write of the previous
     * chunk has completed (MINA has copied it into packets) and the tap has copied what it keeps. It starts at
     * {@code chunkSize} (what an idle session holds while it waits), grows fourfold each time a read fills it, up
     * to {@link #BULK_CHUNK}, and falls back once a read does not fill an eighth of it: bulk output moves in big
     * pieces, an interactive or idle session keeps a small buffer.
     */
    private ByteArrayBuffer buffer;
    private int size;

    /** {@code ended} gets null at end of stream, the failure otherwise; it is called exactly once. */
    Pump(IoInputStream from, IoOutputStream to, int chunkSize, Tap tap, Consumer<Throwable> ended) {
        this.from = from;
        this.to = to;
        this.chunkSize = chunkSize;
        this.bulkChunk = Math.max(chunkSize, BULK_CHUNK);
        this.tap = tap;
        this.ended = ended;
        this.size = chunkSize;
    }

    void start() {
        run();
    }

    // A loop rather than recursion: when reads, writes and the tap complete at once (data already buffered),
    // the completions run inline, and recursing through them would grow the stack with every chunk.
    private void run() {
        while (!done.get()) {
            IoReadFuture read;
            try {
                if (buffer == null || buffer.capacity() != size) {
                    buffer = new ByteArrayBuffer(size, false);
                } else {
                    buffer.clear(false);
                }
                read = from.read(buffer);
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            if (!read.isDone()) {
                read.addListener(f -> {
                    if (passOn(f)) {
                        run();
                    }
                });
                return;
            }
            if (!passOn(read)) {
                return;
            }
        }
    }

    /** Hands the chunk to the tap and the writer; true when both finished before this returned (go on at once). */
    private boolean passOn(IoReadFuture read) {
        Throwable failure = read.getException();
        if (failure != null) {
            end(failure instanceof EOFException ? null : failure);
            return false;
        }
        Buffer buffer = read.getBuffer();
        if (read.getRead() <= 0 || buffer.available() == 0) {
            return true;
        }
        int got = buffer.available();
        if (got >= size && size < bulkChunk) {
            size = Math.min(bulkChunk, size * 4);
        } else if (got < size / 8 && size > chunkSize) {
            size = chunkSize;
        }
        Gate gate = new Gate();
        tap.chunk(buffer.array(), buffer.rpos(), buffer.available(), gate::arrive);
        IoWriteFuture write;
        try {
            write = to.writeBuffer(buffer);
        } catch (Exception e) {
            end(e);
            return false;
        }
        write.addListener(w -> {
            if (w.getException() != null) {
                end(w.getException());
            } else {
                gate.arrive();
            }
        });
        return gate.leave();
    }

    /**
     * Counts the write's and the tap's completion, plus this pump still being inside {@link #passOn}: whichever
     * completes last continues — the loop if it is still running, a fresh {@link #run()} otherwise.
     */
    private final class Gate {
        private final AtomicInteger open = new AtomicInteger(3);

        void arrive() {
            if (open.decrementAndGet() == 0) {
                run();
            }
        }

        boolean leave() {
            return open.decrementAndGet() == 0;
        }
    }

    private void end(Throwable failure) {
        if (done.compareAndSet(false, true)) {
            ended.accept(failure);
        }
    }
}
