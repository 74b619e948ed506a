package dev.portcullis.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketConnectOptions;

import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket passed through (the scope said {@code websocket: true}): the target's side is connected first, with
 * the credential injected, and only then is the vendor's upgrade accepted. Data frames cross as they are (text
 * stays text, fragments stay fragments) with the same pause-on-full flow control as HTTP bodies; a close on one
 * side closes the other with the same code. The recording gets one line when it ends.
 */
final class WebSocketBridge implements HttpSession.InFlight {

    private final GatewayListener listener;
    private final HttpSession session;
    private final HttpServerRequest request;
    private final String checkedPath;
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private final AtomicLong in = new AtomicLong();
    private final AtomicLong out = new AtomicLong();
    private volatile ServerWebSocket vendor;
    private volatile WebSocket target;
    private volatile String cut;
    private boolean finished;
    private int status = 101;
    private final Promise<Void> recorded = Promise.promise();

    WebSocketBridge(GatewayListener listener, HttpSession session, HttpServerRequest request, String checkedPath) {
        this.listener = listener;
        this.session = session;
        this.request = request;
        this.checkedPath = checkedPath;
    }

    static boolean isUpgrade(HttpServerRequest request) {
        String upgrade = request.getHeader("upgrade");
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }

    void start(String upstreamUri) {
        if (!session.admit(this)) {
            listener.refuseCut(request, session.cutMessage());
            return;
        }
        Upstream up = session.upstream;
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(up.host()).setPort(up.port()).setSsl(up.ssl())
                .setURI(upstreamUri).setConnectTimeout(listener.connectTimeoutMillis());
        request.headers().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("sec-websocket-protocol")) {
                for (String p : value.split(",")) {
                    options.addSubProtocol(p.trim());
                }
            }
        });
        io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
        Headers.toUpstream(request.headers(), headers);
        headers.remove("sec-websocket-key");
        headers.remove("sec-websocket-version");
        headers.remove("sec-websocket-extensions");
        headers.remove("sec-websocket-protocol");
        listener.addForwarded(request, headers);
        session.credential.headers().forEach(headers::set);
        headers.forEach(options::addHeader);
        listener.webSocketClient().connect(options).onComplete(connected -> {
            if (connected.failed()) {
                // Recorded before the vendor hears of it: whoever reads the recording after the answer finds it.
                if (connected.cause() instanceof UpgradeRejectedException rejected) {
                    status = rejected.getStatus();
                    finish();
                    Refusal.answer(request, status, "upstream_refused_upgrade", "the target refused the WebSocket upgrade", true);
                } else {
                    status = 502;
                    finish();
                    Refusal.answer(request, 502, "upstream_unreachable", "the target could not be reached", true);
                }
                return;
            }
            target = connected.result();
            if (cut != null) {
                target.close((short) 1008, "portcullis: " + cut);
                return;
            }
            request.toWebSocket().onComplete(accepted -> {
                if (accepted.failed()) {
                    target.close();
                    status = 400;
                    finish();
                    return;
                }
                vendor = accepted.result();
                if (cut != null) {
                    cut(cut);
                    return;
                }
                bridge(vendor, target, in);
                bridge(target, vendor, out);
                vendor.closeHandler(v -> closed(target, vendor));
                target.closeHandler(v -> closed(vendor, target));
            });
        });
    }

    private static void bridge(WebSocketBase from, WebSocketBase to, AtomicLong count) {
        from.frameHandler(frame -> {
            if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
                count.addAndGet(frame.binaryData().length());
                to.writeFrame(frame);
                if (to.writeQueueFull()) {
                    from.pause();
                    to.drainHandler(v -> from.resume());
                }
            }
        });
    }

    private void closed(WebSocketBase other, WebSocketBase closedOne) {
        if (!other.isClosed()) {
            Short code = closedOne.closeStatusCode();
            other.close(code == null ? 1000 : code, closedOne.closeReason());
        }
        listener.context().runOnContext(v -> finish());
    }

    @Override
    public Future<Void> cut(String message) {
        cut = message;
        ServerWebSocket v = vendor;
        WebSocket t = target;
        if (v != null) {
            v.close((short) 1008, "portcullis: " + message);
        } else {
            request.connection().close();
        }
        if (t != null) {
            t.close((short) 1001, "portcullis: session cut");
        }
        if (v == null) {
            // Not bridged yet: no close handler will write the line, so it is written now, on the listener's loop.
            listener.context().runOnContext(x -> finish());
        }
        return recorded.future();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        session.release(this);
        String line = RecordLine.of(startedAt, "GET", checkedPath, status, in.get(), out.get(),
                (System.nanoTime() - startNanos) / 1_000_000, session.grant.id().toString(), session.executor.name(), true, cut);
        listener.sessions().exchanged(session, line, in.get(), out.get());
        recorded.tryComplete();
    }

}
