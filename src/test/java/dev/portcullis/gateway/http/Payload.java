package dev.portcullis.gateway.http;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A large body generated on demand, never held whole: {@code total} bytes from {@code seed}, produced in 64 KiB
 * chunks only as fast as the reader asks (a Vert.x ReadStream with demand), and its SHA-256 computed the same way.
 */
final class Payload implements ReadStream<Buffer> {

    static final int CHUNK = 64 * 1024;

    private final Context context;
    private final long seed;
    private final long total;
    private long sent;
    private long demand = Long.MAX_VALUE;
    private boolean scheduled;
    private boolean ended;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;

    Payload(Context context, long seed, long total) {
        this.context = context;
        this.seed = seed;
        this.total = total;
    }

    static byte[] chunk(long seed, long index, int size) {
        byte[] bytes = new byte[size];
        long x = seed * 0x9E3779B97F4A7C15L + index;
        for (int i = 0; i < size; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int k = 0; k < 8 && i + k < size; k++) {
                bytes[i + k] = (byte) (x >>> (8 * k));
            }
        }
        return bytes;
    }

    static String sha256(long seed, long total) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (long index = 0, done = 0; done < total; index++) {
            int size = (int) Math.min(CHUNK, total - done);
            digest.update(chunk(seed, index, size));
            done += size;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public synchronized Payload handler(Handler<Buffer> handler) {
        this.handler = handler;
        schedule();
        return this;
    }

    @Override
    public synchronized Payload pause() {
        demand = 0;
        return this;
    }

    @Override
    public Payload resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public synchronized Payload fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        schedule();
        return this;
    }

    @Override
    public synchronized Payload endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        return this;
    }

    @Override
    public Payload exceptionHandler(Handler<Throwable> handler) {
        return this;
    }

    private synchronized void schedule() {
        if (!scheduled && handler != null && !ended) {
            scheduled = true;
            context.runOnContext(v -> pump());
        }
    }

    private void pump() {
        Handler<Buffer> h;
        Handler<Void> end = null;
        int batch = 0;
        while (true) {
            Buffer next;
            synchronized (this) {
                h = handler;
                if (demand <= 0 || sent >= total || h == null || batch++ >= 16) {
                    scheduled = false;
                    if (sent >= total && !ended) {
                        ended = true;
                        end = endHandler;
                    } else if (demand > 0 && sent < total) {
                        schedule();
                    }
                    break;
                }
                int size = (int) Math.min(CHUNK, total - sent);
                next = Buffer.buffer(chunk(seed, sent / CHUNK, size));
                sent += size;
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
            }
            h.handle(next);
        }
        if (end != null) {
            end.handle(null);
        }
    }
}
