package dev.portcullis.support.vault;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The listening socket: reads a request on the event loop, holds it back if a delay is injected,
 * answers it through the {@link VaultDispatcher} on the worker pool, writes the reply. It can be
 * closed and reopened on the same port (the refused-connection fault).
 */
final class VaultSocket implements Faults.Listener {

    private final Vertx vertx;
    private final WorkerExecutor worker;
    private final String host;
    private final VaultDispatcher dispatcher;
    private final Faults faults;
    private volatile HttpServer http;
    private volatile int port;
    private volatile boolean listening;

    VaultSocket(Vertx vertx, WorkerExecutor worker, String host, VaultDispatcher dispatcher, Faults faults) {
        this.vertx = vertx;
        this.worker = worker;
        this.host = host;
        this.dispatcher = dispatcher;
        this.faults = faults;
    }

    /** Blocking: listens on {@code onPort} (0: a free one). */
    void open(int onPort) {
        http = Await.result(listen(onPort), "listening on " + host + ":" + onPort);
        port = http.actualPort();
        listening = true;
    }

    int port() {
        return port;
    }

    @Override
    public void stopListening() {
        Await.result(http.close(), "closing the listening socket");
        listening = false;
    }

    @Override
    public void listenAgain() {
        open(port);
    }

    void close() {
        if (listening) {
            stopListening();
        }
    }

    private Future<HttpServer> listen(int onPort) {
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(onPort).setReuseAddress(true))
                .requestHandler(this::handle)
                .listen();
    }

    private void handle(HttpServerRequest request) {
        request.body().onComplete(read -> {
            if (read.failed()) {
                return;
            }
            String body = read.result().toString();
            Duration delay = faults.delayFor(request.path());
            if (delay.isZero()) {
                dispatch(request, body);
            } else {
                vertx.setTimer(delay.toMillis(), t -> dispatch(request, body));
            }
        });
    }

    private void dispatch(HttpServerRequest request, String body) {
        String token = request.getHeader("X-Vault-Token");
        String authorization = request.getHeader("Authorization");
        if ((token == null || token.isEmpty()) && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = authorization.substring(7).trim();
        }
        String tokenId = token;
        Set<String> query = Set.copyOf(request.params().names());
        String method = request.method().name();
        String path = request.path();
        worker.executeBlocking(() -> dispatcher.answer(method, path, query, tokenId, body), false)
                .onComplete(done -> write(request.response(), done.succeeded() ? done.result()
                        : VaultReply.error(new VaultError(500, List.of("internal error: " + done.cause())))));
    }

    private static void write(HttpServerResponse response, VaultReply reply) {
        if (response.closed() || response.ended()) {
            return; // the client gave up (a delayed answer after its read timeout)
        }
        response.setStatusCode(reply.status()).putHeader("Cache-Control", "no-store");
        if (reply.contentType() == null) {
            response.end();
        } else {
            response.putHeader("Content-Type", reply.contentType()).end(reply.body());
        }
    }
}
