package dev.portcullis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.buffer.BufferInternal;

import java.time.Instant;
import java.util.Set;

/**
 * One proxied request/response, on the listener's event loop from start to finish. Bodies are pumped chunk by
 * chunk in both directions: a chunk is read only while the other side's write buffer has room (pause when it is
 * full, resume when it drains), so nothing is buffered whole and a slow reader slows the writer down through TCP.
 * Bytes are counted here, for the recording and the traffic counters.
 */
final class Exchange implements HttpSession.InFlight, UpstreamPool.Lessee, UpstreamConnection.Holder {

    private static final Set<HttpMethod> RETRIED_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final GatewayListener listener;
    private final HttpSession session;
    private final HttpServerRequest request;
    private final String checkedPath;
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private String upstreamUri;
    private UpstreamConnection connection;
    private long in;
    private long out;
    private int status;
    private boolean finished;
    private boolean requestSent;
    private boolean responseDone;
    private boolean keepAlive;
    private boolean requestPaused;
    private boolean reused;
    private boolean retried;
    private volatile String cut;

    Exchange(GatewayListener listener, HttpSession session, HttpServerRequest request, String checkedPath) {
        this.listener = listener;
        this.session = session;
        this.request = request;
        this.checkedPath = checkedPath;
    }

    void start(String upstreamUri) {
        if (!session.admit(this)) {
            listener.refuseCut(request, session.cutMessage());
            return;
        }
        this.upstreamUri = upstreamUri;
        request.response().closeHandler(v -> {
            if (!finished) {
                status = 499; // the vendor went away: the nginx convention
                finish();
                drop();
            }
        });
        listener.upstreams().lease(session.upstream, this);
    }

    @Override
    public void leased(UpstreamConnection leased) {
        if (finished || cut != null) {
            leased.release(true); // unused: as good as it was
            return;
        }
        connection = leased;
        reused = leased.hold(this);
        Channel channel = leased.channel;
        channel.write(upstreamHead(), channel.voidPromise());
        if (retried) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
            return;
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
            request.response().writeContinue();
        }
        pumpRequest();
    }

    private DefaultHttpRequest upstreamHead() {
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
        Headers.toUpstream(request.headers(), headers);
        headers.set("host", session.upstream.authority());
        listener.addForwarded(request, headers);
        session.credential.headers().forEach(headers::set);
        String length = request.getHeader("content-length");
        if (length != null) {
            headers.set("content-length", length);
        } else if (request.headers().contains("transfer-encoding")) {
            headers.set("transfer-encoding", "chunked");
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method().toNetty(), upstreamUri, headers);
    }

    @Override
    public void unavailable(boolean busy) {
        if (busy) {
            fail(503, "upstream_busy", "too many requests are waiting for a connection to the target");
        } else {
            fail(502, "upstream_unreachable", "the target could not be reached");
        }
    }

    private void pumpRequest() {
        request.handler(chunk -> {
            in += chunk.length();
            UpstreamConnection to = connection;
            if (to == null) {
                return; // the exchange ended early (the target answered before the body was all sent): drained
            }
            ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
            to.channel.writeAndFlush(new DefaultHttpContent(bytes), to.channel.voidPromise());
            if (!to.channel.isWritable()) {
                requestPaused = true;
                request.pause();
            }
        });
        request.endHandler(v -> {
            requestSent = true;
            UpstreamConnection to = connection;
            if (to != null) {
                to.channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, to.channel.voidPromise());
                releaseWhenDone();
            }
        });
        request.exceptionHandler(err -> {
            if (!finished) {
                drop();
            }
        });
        request.resume();
    }

    @Override
    public void writable() {
        if (requestPaused) {
            requestPaused = false;
            request.resume();
        }
    }

    @Override
    public void head(HttpResponse answer) {
        if (cut != null || finished) {
            return;
        }
        HttpServerResponse response = request.response();
        status = answer.status().code();
        response.setStatusCode(status);
        response.setStatusMessage(answer.status().reasonPhrase());
        Headers.toVendor(new HeadersAdaptor(answer.headers()), response.headers());
        String length = answer.headers().get("content-length");
        boolean bodyless = request.method() == HttpMethod.HEAD || status == 204 || status == 304;
        if (length != null) {
            response.putHeader("content-length", length);
        } else if (!bodyless) {
            response.setChunked(true);
        }
        keepAlive = HttpUtil.isKeepAlive(answer);
    }

    @Override
    public void body(HttpContent content, boolean last) {
        if (cut != null || finished) {
            content.release();
            return;
        }
        HttpServerResponse response = request.response();
        ByteBuf bytes = content.content();
        int n = bytes.readableBytes();
        out += n;
        // A copy out of the codec's pooled buffer, released here: what Vert.x does with what it reads itself.
        Buffer chunk = n == 0 ? null : BufferInternal.safeBuffer(bytes);
        if (n == 0) {
            content.release();
        }
        if (last) {
            responseDone = true;
            // Recorded before the vendor can see the end: whoever reads the recording after the answer finds it.
            finish();
            if (chunk == null) {
                response.end();
            } else {
                response.end(chunk);
            }
            releaseWhenDone();
            return;
        }
        if (chunk != null) {
            response.write(chunk);
        }
        if (response.writeQueueFull()) {
            UpstreamConnection from = connection;
            from.channel.config().setAutoRead(false);
            response.drainHandler(v -> {
                if (connection == from) { // not once the connection went back to the pool and to another exchange
                    from.channel.config().setAutoRead(true);
                }
            });
        }
    }

    @Override
    public void broken() {
        connection = null;
        if (finished || cut != null) {
            return;
        }
        if (reused && !retried && requestSent && in == 0 && status == 0 && RETRIED_METHODS.contains(request.method())) {
            // A pooled connection the target closed as the request went out (its keep-alive ran out first). The
            // request had no body and got no answer, and its method is idempotent: it goes once more, on a new
            // connection — nginx's proxy_next_upstream rule.
            retried = true;
            listener.upstreams().leaseNew(session.upstream, this);
            return;
        }
        if (!request.response().headWritten()) {
            fail(502, "upstream_failed", "the target failed to answer");
        } else {
            // Headers are gone already: all the vendor can be told is that the connection breaks.
            status = 502;
            finish();
            request.connection().close();
        }
    }

    /** The connection goes back to the pool once the request is all sent and the response all read. */
    private void releaseWhenDone() {
        if (responseDone && connection != null) {
            UpstreamConnection done = connection;
            connection = null;
            done.release(requestSent && keepAlive);
        }
    }

    /** Closes the upstream connection, mid-exchange: it cannot carry another request. */
    private void drop() {
        UpstreamConnection dropped = connection;
        connection = null;
        if (dropped != null) {
            dropped.release(false);
        }
    }

    private void fail(int failStatus, String code, String message) {
        if (finished || cut != null) {
            return;
        }
        status = failStatus;
        drop();
        finish(); // recorded before the vendor hears of it, as in body()
        if (!request.response().headWritten()) {
            Refusal.answer(request, failStatus, code, message, Refusal.bodyPending(request));
        } else {
            request.connection().close();
        }
    }

    @Override
    public Future<Void> cut(String message) {
        // Called from whichever thread closes the grant: the vendor's connection is closed at once (thread-safe in
        // Vert.x), the upstream one on the listener's event loop, which owns it and the exchange's line.
        cut = message;
        request.connection().close();
        Promise<Void> recorded = Promise.promise();
        listener.context().runOnContext(v -> {
            drop();
            if (!finished) {
                if (status == 0) {
                    status = 403;
                }
                finish();
            }
            recorded.complete();
        });
        return recorded.future();
    }

    private void finish() {
        finished = true;
        session.release(this);
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        String line = RecordLine.of(startedAt, request.method().name(), checkedPath, status, in, out, millis,
                session.grant.id().toString(), session.executor.name(), false, cut);
        listener.sessions().exchanged(session, line, in, out);
    }

}
