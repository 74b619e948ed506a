package dev.portcullis.gateway.http;

import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes the HTTP gateway moved, counted in one place per direction: {@code in} is vendor → target (request
 * bodies, WebSocket frames from the vendor), {@code out} target → vendor; each also feeds
 * {@code portcullis_proxy_bytes_total{protocol="http",direction}}.
 */
public final class ProxyTraffic {

    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();
    private final Counter toTarget;
    private final Counter toVendor;

    ProxyTraffic(Counter toTarget, Counter toVendor) {
        this.toTarget = toTarget;
        this.toVendor = toVendor;
    }

    void in(long bytes) {
        in.add(bytes);
        toTarget.increment(bytes);
    }

    void out(long bytes) {
        out.add(bytes);
        toVendor.increment(bytes);
    }

    public long bytesIn() {
        return in.sum();
    }

    public long bytesOut() {
        return out.sum();
    }
}
