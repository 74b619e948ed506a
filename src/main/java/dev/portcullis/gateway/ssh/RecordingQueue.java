package dev.portcullis.gateway.ssh;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes recording off the data path: chunks are copied and written by a recorder thread, in order, while the
 * pumps go on moving bytes — on a multi-core machine, recording and forwarding run side by side. A session
 * that outpaces its recording is held back (its pumps wait for {@code ready}) once {@link #HIGH_WATER} bytes
 * are queued, and let go again below {@link #LOW_WATER}: the recording never falls behind without bound, and
 * never drops anything.
 */
final class RecordingQueue {

    static final long HIGH_WATER = 8L * 1024 * 1024;
    static final long LOW_WATER = 2L * 1024 * 1024;

    private final AsciicastRecorder recorder;
    private final Executor pool;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong queued = new AtomicLong();
    private final List<Runnable> waiting = new ArrayList<>();
    private volatile RuntimeException failure;

    private final Counter toVendor;
    private final Counter toTarget;

    RecordingQueue(AsciicastRecorder recorder, Executor pool, Counter toVendor, Counter toTarget) {
        this.recorder = recorder;
        this.pool = pool;
        this.toVendor = toVendor;
        this.toTarget = toTarget;
    }

    boolean recordsInput() {
        return recorder.recordsInput();
    }

    void output(AsciicastRecorder.Stream stream, byte[] bytes, int offset, int length, Runnable ready) {
        byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
        long at = System.nanoTime();
        toVendor.increment(length);
        submit(length, () -> recorder.output(stream, copy, 0, copy.length, at), ready);
    }

    void input(byte[] bytes, int offset, int length, Runnable ready) {
        byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
        long at = System.nanoTime();
        toTarget.increment(length);
        submit(length, () -> recorder.input(copy, 0, copy.length, at), ready);
    }

    void resize(int columns, int rows) {
        long at = System.nanoTime();
        submit(0, () -> recorder.resize(columns, rows, at), null);
    }

    /** A marker ({@code m} event) in the recording: something happened that has no terminal output. */
    void mark(String label) {
        long at = System.nanoTime();
        submit(0, () -> recorder.mark(label, at), null);
    }

    /** Completes, in order with the chunks, with the number of lines in the file once everything before it is flushed. */
    Future<Long> flushed() {
        Promise<Long> done = Promise.promise();
        submit(0, () -> {
            try {
                done.complete(recorder.flush());
            } catch (RuntimeException e) {
                done.fail(e);
            }
        }, null);
        return done.future();
    }

    /** Completes once everything queued before it is written and the file is closed. */
    Future<AsciicastRecorder.Summary> finish() {
        Promise<AsciicastRecorder.Summary> done = Promise.promise();
        submit(0, () -> {
            try {
                AsciicastRecorder.Summary summary = recorder.finish();
                if (failure != null) {
                    done.fail(failure);
                } else {
                    done.complete(summary);
                }
            } catch (RuntimeException e) {
                done.fail(e);
            }
        }, null);
        return done.future();
    }

    private void submit(long bytes, Runnable work, Runnable ready) {
        long now = queued.addAndGet(bytes);
        tasks.add(() -> {
            try {
                if (failure == null) {
                    work.run();
                }
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                if (queued.addAndGet(-bytes) <= LOW_WATER) {
                    wake();
                }
            }
        });
        if (ready != null) {
            if (now <= HIGH_WATER) {
                ready.run();
            } else {
                synchronized (waiting) {
                    waiting.add(ready);
                }
                // The queue may have drained between the check and the add.
                if (queued.get() <= LOW_WATER) {
                    wake();
                }
            }
        }
        drain();
    }

    private void wake() {
        List<Runnable> go;
        synchronized (waiting) {
            if (waiting.isEmpty()) {
                return;
            }
            go = new ArrayList<>(waiting);
            waiting.clear();
        }
        go.forEach(Runnable::run);
    }

    private void drain() {
        if (draining.compareAndSet(false, true)) {
            pool.execute(this::runQueued);
        }
    }

    private void runQueued() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        draining.set(false);
        if (!tasks.isEmpty()) {
            drain();
        }
    }
}
