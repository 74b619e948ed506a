package dev.portcullis.gateway.http;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.sessions.GrantClosingHook;
import dev.portcullis.store.Transactions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Wires the listeners (one per event loop) to what they share: tokens, sessions, options. */
final class HttpGatewayServer implements HttpGateway {

    private static final Logger LOG = LoggerFactory.getLogger(HttpGatewayServer.class);

    private final Vertx vertx;
    private final PortcullisConfig.Http options;
    private final Dependencies dependencies;
    private final HttpSessions sessions;
    private final VendorTokens tokens;
    private final Route.Rules routes;
    private final ProxyTraffic traffic;
    private final ExecutorService recorder;
    private final Path certificate;
    private final HttpServerOptions serverOptions;
    private final SslContext upstreamTls;
    private volatile int port;
    private String deployment;
    private long flushTimer = -1;

    private HttpGatewayServer(Vertx vertx, Path dataDir, String node, PortcullisConfig.Http options, Dependencies dependencies,
                              GatewayCertificate.Material tls) throws javax.net.ssl.SSLException {
        this.vertx = vertx;
        this.options = options;
        this.dependencies = dependencies;
        this.traffic = new ProxyTraffic(dependencies.meters().proxyBytes("http", "to_target"),
                dependencies.meters().proxyBytes("http", "to_vendor"));
        AtomicInteger threads = new AtomicInteger();
        this.recorder = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "portcullis-http-recorder-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.sessions = new HttpSessions(vertx, dependencies.transactions(), dependencies.verifier(), dependencies.credentials(),
                dataDir.resolve("recordings"), recorder, node, traffic);
        this.tokens = new VendorTokens(dependencies.transactions().pool());
        this.routes = new Route.Rules(options.hostSuffix().toLowerCase(java.util.Locale.ROOT));
        this.certificate = tls == null ? null : tls.certificate();
        HttpServerOptions server = new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setMaxInitialLineLength(options.maxUriBytes()).setMaxHeaderSize(options.maxHeaderBytes())
                .setIdleTimeout(options.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHttp2ClearTextEnabled(false).setUseAlpn(false).setCompressionSupported(false).setDecompressionSupported(false)
                .setHandle100ContinueAutomatically(false).setMaxWebSocketFrameSize(1024 * 1024).setWebSocketClosingTimeout(1)
                .setTcpNoDelay(true).setReusePort(true);
        if (tls != null) {
            server.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certificate().toString())
                    .setKeyPath(tls.key().toString()));
        }
        this.serverOptions = server;
        SslContextBuilder upstream = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (!options.upstreamCaFile().isBlank()) {
            upstream.trustManager(Path.of(options.upstreamCaFile()).toFile());
        }
        this.upstreamTls = upstream.build();
    }

    static Future<HttpGateway> start(Vertx vertx, Path dataDir, String node, PortcullisConfig.Http options, Dependencies dependencies) {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(dataDir.resolve("recordings"));
            if (!options.tls()) {
                return new HttpGatewayServer(vertx, dataDir, node, options, dependencies, null);
            }
            GatewayCertificate.Material tls = options.certFile().isBlank()
                    ? GatewayCertificate.loadOrCreate(dataDir.resolve("tls"), options.host())
                    : new GatewayCertificate.Material(Path.of(options.certFile()), Path.of(options.keyFile()));
            return new HttpGatewayServer(vertx, dataDir, node, options, dependencies, tls);
        }).compose(gateway -> {
            int instances = options.instances() > 0 ? options.instances()
                    : Runtime.getRuntime().availableProcessors();
            // Several listeners need a fixed port to share; with port 0 each would get its own, so one listener then.
            int n = options.port() == 0 ? 1 : instances;
            return vertx.deployVerticle(() -> new GatewayListener(gateway), new DeploymentOptions().setInstances(n))
                    .map(id -> {
                        gateway.deployment = id;
                        gateway.flushTimer = gateway.sessions.startFlushing();
                        LOG.info("HTTP gateway listening on {}://{}:{} ({} listener(s))", options.tls() ? "https" : "http",
                                options.host(), gateway.port, n);
                        return (HttpGateway) gateway;
                    })
                    .recover(failure -> {
                        gateway.recorder.shutdown();
                        return Future.failedFuture(failure);
                    });
        });
    }

    // ---- for the listeners ------------------------------------------------------------------------------

    PortcullisConfig.Http options() {
        return options;
    }

    HttpServerOptions serverOptions() {
        return serverOptions;
    }

    /** TLS to HTTPS targets: the configured CA alone, or the JVM's trust store; shared by every listener. */
    SslContext upstreamTls() {
        return upstreamTls;
    }

    WebSocketClientOptions webSocketClientOptions() {
        WebSocketClientOptions ws = new WebSocketClientOptions().setVerifyHost(true).setMaxFrameSize(1024 * 1024)
                .setConnectTimeout(options.upstreamConnectTimeoutSeconds() * 1000).setClosingTimeout(1);
        if (!options.upstreamCaFile().isBlank()) {
            ws.setTrustOptions(new PemTrustOptions().addCertPath(options.upstreamCaFile()));
        }
        return ws;
    }

    void bound(int actualPort) {
        port = actualPort;
    }

    HttpSessions sessions() {
        return sessions;
    }

    VendorTokens tokens() {
        return tokens;
    }

    Route.Rules routes() {
        return routes;
    }

    GrantVerifier verifier() {
        return dependencies.verifier();
    }

    Transactions transactions() {
        return dependencies.transactions();
    }

    // ---- HttpGateway ------------------------------------------------------------------------------------

    @Override
    public int port() {
        return port;
    }

    @Override
    public Path certificate() {
        return certificate;
    }

    @Override
    public Path recording(UUID sessionId) {
        return sessions.recording(sessionId);
    }

    @Override
    public Future<OptionalLong> flushRecording(UUID sessionId) {
        return sessions.flushRecording(sessionId);
    }

    @Override
    public GrantClosingHook closingHook() {
        return sessions.closingHook();
    }

    @Override
    public Future<Boolean> terminate(UUID sessionId, String actor) {
        return sessions.terminate(sessionId, actor);
    }

    @Override
    public int liveSessions() {
        return sessions.live();
    }

    @Override
    public ProxyTraffic traffic() {
        return traffic;
    }

    @Override
    public Future<Void> close() {
        vertx.cancelTimer(flushTimer);
        return sessions.endAll().eventually(() -> deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment))
                .eventually(() -> {
                    recorder.shutdown();
                    return Future.succeededFuture();
                });
    }
}
