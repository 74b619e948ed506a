package dev.portcullis.gateway.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes the HTTP gateway moved, counted in one place per direction: {@code in} is vendor → target (request
 * bodies, WebSocket frames from the vendor), {@code out} target → vendor. This is where
 * {@code portcullis_proxy_bytes_total{protocol="http",direction}} is to be read from.
 */
public final class ProxyTraffic {

    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();

    void in(long bytes) {
        in.add(bytes);
    }

    void out(long bytes) {
        out.add(bytes);
    }

    public long bytesIn() {
        return in.sum();
    }

    public long bytesOut() {
        return out.sum();
    }
}
