package dev.portcullis.gateway.http;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;

import java.time.Instant;

/**
 * One proxied request/response. Bodies are pumped chunk by chunk in both directions: a chunk is read only while
 * the other side's write queue has room (pause on full, resume on drain), so nothing is buffered whole and a slow
 * reader slows the writer down through TCP. Bytes are counted here, for the recording and the traffic counters.
 */
final class Exchange implements HttpSession.InFlight {

    private final GatewayListener listener;
    private final HttpSession session;
    private final HttpServerRequest request;
    private final String checkedPath;
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private HttpClientRequest upstream;
    private long in;
    private long out;
    private int status;
    private boolean finished;
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
        Upstream target = session.upstream;
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(target.host()).setPort(target.port())
                .setSsl(target.ssl()).setURI(upstreamUri).setConnectTimeout(listener.connectTimeoutMillis());
        HttpClient client = listener.client();
        client.request(options).onComplete(opened -> {
            if (opened.failed()) {
                fail(502, "upstream_unreachable", "the target could not be reached");
                return;
            }
            if (cut != null) {
                opened.result().reset();
                return;
            }
            upstream = opened.result();
            Headers.toUpstream(request.headers(), upstream.headers());
            listener.addForwarded(request, upstream.headers());
            session.credential.headers().forEach(upstream.headers()::set);
            String length = request.getHeader("content-length");
            if (length != null) {
                upstream.putHeader("content-length", length);
            } else if (request.headers().contains("transfer-encoding")) {
                upstream.setChunked(true);
            }
            upstream.response().onComplete(answered -> {
                if (answered.failed()) {
                    fail(502, "upstream_failed", "the target failed to answer");
                } else {
                    respond(answered.result());
                }
            });
            upstream.exceptionHandler(err -> fail(502, "upstream_failed", "the target failed to answer"));
            if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
                request.response().writeContinue();
            }
            pumpRequest();
        });
        request.response().closeHandler(v -> {
            if (!finished) {
                status = 499; // the vendor went away: the nginx convention
                finish();
                if (upstream != null) {
                    upstream.reset();
                }
            }
        });
    }

    private void pumpRequest() {
        HttpClientRequest to = upstream;
        request.handler(chunk -> {
            in += chunk.length();
            to.write(chunk);
            if (to.writeQueueFull()) {
                request.pause();
                to.drainHandler(v -> request.resume());
            }
        });
        request.endHandler(v -> to.end());
        request.exceptionHandler(err -> {
            if (!finished) {
                to.reset();
            }
        });
        request.resume();
    }

    private void respond(HttpClientResponse answer) {
        if (cut != null || finished) {
            return;
        }
        HttpServerResponse response = request.response();
        status = answer.statusCode();
        response.setStatusCode(status);
        if (answer.statusMessage() != null) {
            response.setStatusMessage(answer.statusMessage());
        }
        Headers.toVendor(answer.headers(), response.headers());
        String length = answer.getHeader("content-length");
        boolean bodyless = request.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
        if (length != null) {
            response.putHeader("content-length", length);
        } else if (!bodyless) {
            response.setChunked(true);
        }
        answer.handler(chunk -> {
            out += chunk.length();
            response.write(chunk);
            if (response.writeQueueFull()) {
                answer.pause();
                response.drainHandler(v -> answer.resume());
            }
        });
        answer.exceptionHandler(err -> {
            // Headers are gone already: all the vendor can be told is that the connection breaks.
            if (!finished) {
                status = 502;
                finish();
                request.connection().close();
            }
        });
        answer.endHandler(v -> {
            if (!finished) {
                response.end();
                finish();
            }
        });
    }

    private void fail(int failStatus, String code, String message) {
        if (finished || cut != null) {
            return;
        }
        status = failStatus;
        if (!request.response().headWritten()) {
            Refusal.answer(request, failStatus, code, message, Refusal.bodyPending(request));
        } else {
            request.connection().close();
        }
        finish();
    }

    @Override
    public void cut(String message) {
        // Called from whichever thread closes the grant; connection close and reset are thread-safe in Vert.x.
        cut = message;
        HttpClientRequest up = upstream;
        if (up != null) {
            up.reset();
        }
        request.connection().close();
        listener.context().runOnContext(v -> {
            if (!finished) {
                if (status == 0) {
                    status = 403;
                }
                finish();
            }
        });
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
