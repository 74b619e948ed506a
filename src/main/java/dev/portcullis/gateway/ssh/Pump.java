package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Moves bytes one way between two channels with explicit flow control: it reads the next chunk only when
 * the previous write has completed. The reading channel gives window back to its peer only as chunks are
 * read, so a slow reader on one side throttles the writer on the other through SSH's own windows — no
 * thread per session, no polling, and at most one window of data buffered per direction.
 */
final class Pump {

    /** Sees every chunk on its way through (recording, counting); must not keep the array. */
    interface Tap {
        void chunk(byte[] bytes, int offset, int length);
    }

    private final IoInputStream from;
    private final IoOutputStream to;
    private final int chunkSize;
    private final Tap tap;
    private final Consumer<Throwable> ended;
    private final AtomicBoolean done = new AtomicBoolean();

    /** {@code ended} gets null at end of stream, the failure otherwise; it is called exactly once. */
    Pump(IoInputStream from, IoOutputStream to, int chunkSize, Tap tap, Consumer<Throwable> ended) {
        this.from = from;
        this.to = to;
        this.chunkSize = chunkSize;
        this.tap = tap;
        this.ended = ended;
    }

    void start() {
        run();
    }

    // A loop rather than recursion: when reads and writes complete at once (data already buffered), the
    // listeners run inline, and recursing through them would grow the stack with every chunk.
    private void run() {
        while (!done.get()) {
            IoReadFuture read;
            try {
                read = from.read(new ByteArrayBuffer(chunkSize, false));
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            if (!read.isDone()) {
                read.addListener(f -> {
                    if (written(f) == Step.CONTINUE) {
                        run();
                    }
                });
                return;
            }
            if (written(read) != Step.CONTINUE) {
                return;
            }
        }
    }

    private enum Step { CONTINUE, WAITING, ENDED }

    private Step written(IoReadFuture read) {
        Throwable failure = read.getException();
        if (failure != null) {
            end(failure instanceof java.io.EOFException ? null : failure);
            return Step.ENDED;
        }
        Buffer buffer = read.getBuffer();
        if (read.getRead() <= 0 || buffer.available() == 0) {
            return Step.CONTINUE;
        }
        tap.chunk(buffer.array(), buffer.rpos(), buffer.available());
        IoWriteFuture write;
        try {
            write = to.writeBuffer(buffer);
        } catch (Exception e) {
            end(e);
            return Step.ENDED;
        }
        if (write.isDone()) {
            if (write.getException() != null) {
                end(write.getException());
                return Step.ENDED;
            }
            return Step.CONTINUE;
        }
        write.addListener(w -> {
            if (w.getException() != null) {
                end(w.getException());
            } else {
                run();
            }
        });
        return Step.WAITING;
    }

    private void end(Throwable failure) {
        if (done.compareAndSet(false, true)) {
            ended.accept(failure);
        }
    }
}
