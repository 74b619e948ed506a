package dev.portcullis.gateway.http;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * One listener and its upstream connections on one event loop (the gateway deploys one per event loop): a request
 * is accepted, checked and forwarded on the same thread, over pooled keep-alive connections that belong to that
 * thread ({@link UpstreamPool}; WebSocket upgrades, rare and long, go through Vert.x's WebSocket client). The
 * per-request path: route, normalise the path, the vendor's token (cached), the grant check (cached by
 * GrantVerifier, invalidated on every node by NOTIFY), the grant's session (opened once), then forward.
 */
final class GatewayListener extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayListener.class);

    private final HttpGatewayServer gateway;
    private HttpServer server;
    private UpstreamPool upstreams;
    private WebSocketClient webSockets;
    private final Map<HttpConnection, ConnectionGuard> guards = new java.util.HashMap<>();

    GatewayListener(HttpGatewayServer gateway) {
        this.gateway = gateway;
    }

    @Override
    public Future<?> start() {
        VertxInternal internal = (VertxInternal) vertx;
        upstreams = new UpstreamPool(((ContextInternal) context).nettyEventLoop(), internal.transport().channelFactory(false),
                internal.nameResolver().nettyAddressResolverGroup(), gateway.upstreamTls(), connectTimeoutMillis(),
                gateway.options().maxUriBytes());
        webSockets = vertx.createWebSocketClient(gateway.webSocketClientOptions());
        server = vertx.createHttpServer(gateway.serverOptions())
                .connectionHandler(this::connected)
                .invalidRequestHandler(this::invalid)
                .requestHandler(this::handle);
        return server.listen().onSuccess(s -> gateway.bound(s.actualPort()));
    }

    @Override
    public Future<?> stop() {
        return server.close().eventually(() -> {
            upstreams.close();
            return webSockets.close();
        });
    }

    Context context() {
        return context;
    }

    UpstreamPool upstreams() {
        return upstreams;
    }

    WebSocketClient webSocketClient() {
        return webSockets;
    }

    HttpSessions sessions() {
        return gateway.sessions();
    }

    int connectTimeoutMillis() {
        return gateway.options().upstreamConnectTimeoutSeconds() * 1000;
    }

    // ---- connections ------------------------------------------------------------------------------------

    private void connected(HttpConnection connection) {
        if (!SmugglingGuard.install(connection, gateway.serverOptions())) {
            LOG.error("HTTP gateway: unexpected connection pipeline; closing the connection rather than serving it unguarded");
            connection.close();
            return;
        }
        ConnectionGuard guard = ConnectionGuard.install(((ConnectionBase) connection).channel().pipeline(),
                gateway.options().headerTimeoutSeconds() * 1000L,
                remote -> new Refusal(408, "header_timeout", "the request's headers took too long to arrive")
                        .record(gateway.transactions(), null, null, null, null, remote));
        guards.put(connection, guard);
        connection.closeHandler(v -> guards.remove(connection));
    }

    /** Requests Netty could not decode: too long, duplicated Content-Length, Content-Length with Transfer-Encoding. */
    private void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        Refusal refusal;
        if (cause instanceof TooLongHttpLineException) {
            refusal = new Refusal(414, "uri_too_long", "the request line is longer than " + gateway.options().maxUriBytes() + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            refusal = new Refusal(431, "headers_too_large", "the request headers are larger than " + gateway.options().maxHeaderBytes() + " bytes");
        } else if (cause instanceof SmugglingGuard.Smuggling) {
            refusal = new Refusal(400, "request_smuggling", cause.getMessage());
        } else if (cause != null && String.valueOf(cause.getMessage()).contains("Content-Length")) {
            refusal = new Refusal(400, "request_smuggling", "the request frames its body ambiguously: " + cause.getMessage());
        } else {
            refusal = new Refusal(400, "bad_request", "the request is not valid HTTP/1.1");
        }
        Refusal.answer(request, refusal.status(), refusal.code(), refusal.message(), true);
        String uri = refusal.status() == 414 ? null : request.uri();
        refusal.record(gateway.transactions(), null, null, String.valueOf(request.method()), uri, remote(request));
    }

    // ---- requests ---------------------------------------------------------------------------------------

    private void handle(HttpServerRequest request) {
        request.pause();
        ConnectionGuard guard = guards.get(request.connection());
        if (guard != null) {
            guard.headReceived();
            request.response().endHandler(v -> guard.exchangeDone());
        }
        Route route = gateway.routes().route(request);
        if (route.malformed()) {
            refuse(request, new Refusal(400, "bad_path", "the path does not name a valid target: /t/<target>/<path>"), null, null);
            return;
        }
        if (route.target() == null) {
            Refusal.answer(request, 404, "no_route",
                    "call /t/<target>/<path> (or a host routed to a target) on this gateway", Refusal.bodyPending(request));
            return;
        }
        RequestPath.Result path = RequestPath.normalise(route.rawPath());
        if (path.refused()) {
            refuse(request, new Refusal(400, path.refusal(), path.message()), route.target(), null);
            return;
        }
        if (!Headers.acceptableTransferEncoding(request.headers())) {
            refuse(request, new Refusal(400, "request_smuggling", "only 'Transfer-Encoding: chunked' is accepted"), route.target(), null);
            return;
        }
        boolean webSocket = WebSocketBridge.isUpgrade(request);
        gateway.tokens().principal(request.getHeader("authorization")).onComplete(found -> {
            if (found.failed()) {
                Refusal.answer(request, 503, "unavailable", "the broker cannot reach its database", Refusal.bodyPending(request));
                return;
            }
            Optional<Principal> who = found.result();
            if (who.isEmpty()) {
                // Not ledgered, as in the API: unauthenticated noise must not be able to flood the evidence chain.
                request.response().putHeader("www-authenticate", "Bearer realm=\"portcullis\"");
                Refusal.answer(request, 401, "unauthenticated",
                        "send 'Authorization: Bearer <your Portcullis API token>'", Refusal.bodyPending(request));
                return;
            }
            Action.HttpCall call = new Action.HttpCall(request.method().name(), path.checked(), webSocket);
            GrantVerifier.Attempt attempt = new GrantVerifier.Attempt(who.get(), route.target(), call, null, false);
            gateway.verifier().verify(attempt).onComplete(verdict -> {
                if (verdict.failed()) {
                    Refusal.answer(request, 503, "unavailable", "the broker cannot verify grants right now", Refusal.bodyPending(request));
                } else if (verdict.result() instanceof Verdict.Refused refused) {
                    int status = refused.reason() == RefusalReason.UNAVAILABLE ? 503
                            : refused.reason() == RefusalReason.UNKNOWN_TARGET ? 404 : 403;
                    Refusal.answer(request, status, refused.reason().code(), refused.message(), Refusal.bodyPending(request));
                } else {
                    Verdict.Allowed allowed = (Verdict.Allowed) verdict.result();
                    forward(request, allowed, who.get(), call, path, webSocket, guard);
                }
            });
        });
    }

    private void forward(HttpServerRequest request, Verdict.Allowed allowed, Principal who, Action.HttpCall call,
                         RequestPath.Result path, boolean webSocket, ConnectionGuard guard) {
        gateway.sessions().session(allowed.grant(), allowed.target(), who, call).onComplete(opened -> {
            if (opened.failed()) {
                if (opened.cause() instanceof HttpSessions.NotOpened refused) {
                    refused.refusal.answer(request);
                } else {
                    LOG.error("HTTP session for grant {} could not be opened", allowed.grant().id(), opened.cause());
                    Refusal.answer(request, 503, "unavailable", "the session could not be opened", Refusal.bodyPending(request));
                }
                return;
            }
            HttpSession session = opened.result();
            String query = request.query();
            String uri = session.upstream.basePath() + path.upstream() + (query == null ? "" : "?" + query);
            if (webSocket) {
                if (guard != null) {
                    guard.upgraded();
                }
                new WebSocketBridge(this, session, request, path.checked()).start(uri);
            } else {
                new Exchange(this, session, request, path.checked()).start(uri);
            }
        });
    }

    private void refuse(HttpServerRequest request, Refusal refusal, String target, String actor) {
        refusal.answer(request);
        refusal.record(gateway.transactions(), actor, target, request.method().name(), request.path(), remote(request));
    }

    void refuseCut(HttpServerRequest request, String message) {
        Refusal.answer(request, 403, "session_cut", "the session was cut: " + message, Refusal.bodyPending(request));
    }

    /** Writes what the target is told about the vendor, as configured; what the vendor sent is never passed on. */
    void addForwarded(HttpServerRequest request, MultiMap to) {
        String mode = gateway.options().forwarded();
        if (mode.equals("none")) {
            return;
        }
        SocketAddress remote = request.remoteAddress();
        String address = remote == null ? "unknown" : remote.hostAddress();
        String proto = gateway.options().tls() ? "https" : "http";
        String host = request.authority() == null ? null : request.authority().toString();
        if (mode.equals("x-forwarded") || mode.equals("both")) {
            to.set("x-forwarded-for", address);
            to.set("x-forwarded-proto", proto);
            if (host != null) {
                to.set("x-forwarded-host", host);
            }
        }
        if (mode.equals("forwarded") || mode.equals("both")) {
            String node = address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
            to.set("forwarded", "for=" + node + ";proto=" + proto + (host == null ? "" : ";host=\"" + host + "\""));
        }
    }

    private static String remote(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        return remote == null ? null : remote.hostAddress();
    }
}
