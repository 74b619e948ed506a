package dev.portcullis.gateway.ssh;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SHA-256 of a recording, computed on another thread than the one that writes it. Hashing is the biggest single
 * cost of recording binary output (JSON writes a NUL as six bytes, so 1 GiB of zeros is 6 GiB of file to hash):
 * moving it off the recorder thread lets encoding and writing run beside it on another core. Lines are hashed in
 * the order they were given; at most {@link #MAX_PENDING} bytes wait — beyond that the caller hashes what is
 * waiting itself, so memory stays bounded and a busy pool never lets the digest fall behind without limit.
 *
 * <p>One writer thread at a time calls {@link #update} and {@link #hex}; the pool's drains and the writer's own
 * hashing take the same lock, and each takes lines from the head of the queue, so the order is kept.
 */
final class BackgroundDigest {

    static final long MAX_PENDING = 16L * 1024 * 1024;

    private final MessageDigest digest;
    private final Executor pool;
    private final Queue<byte[]> pending = new ConcurrentLinkedQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    BackgroundDigest(Executor pool) {
        this.pool = pool;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes {@code line} later (the caller must not change it afterwards), in order with every earlier line. */
    void update(byte[] line) {
        pending.add(line);
        if (pendingBytes.addAndGet(line.length) > MAX_PENDING) {
            drain();
            return;
        }
        if (scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(() -> {
                    scheduled.set(false);
                    drain();
                });
            } catch (RejectedExecutionException stopping) {
                scheduled.set(false);
                drain(); // the pool is shutting down: hash here, the recording must still be sealed
            }
        }
    }

    /** Hashes everything given so far (on this thread if the pool has not yet) and answers the digest in hex. */
    String hex() {
        synchronized (digest) {
            drain();
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private void drain() {
        synchronized (digest) {
            for (byte[] line; (line = pending.poll()) != null; ) {
                digest.update(line);
                pendingBytes.addAndGet(-line.length);
            }
        }
    }
}
