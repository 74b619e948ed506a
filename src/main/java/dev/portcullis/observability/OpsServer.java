package dev.portcullis.observability;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The operations listener, apart from the API so that it can stay on a management network: {@code /metrics}
 * (Prometheus text), {@code /health/live} (the process answers) and {@code /health/ready} (every readiness
 * check passes; 503 naming the failed ones otherwise). Unauthenticated: bind it where only Prometheus and the
 * orchestrator reach it.
 */
public final class OpsServer {

    /** The Prometheus text format version Micrometer writes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    public static Future<OpsServer> start(Vertx vertx, String host, int port, Meters meters, Readiness readiness) {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", PROMETHEUS_TEXT).end(meters.scrape()));
        router.get("/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end(new JsonObject().put("status", "up").encode()));
        router.get("/health/ready").handler(ctx -> readiness.check().onComplete(done -> {
            JsonObject checks = new JsonObject();
            boolean ready = true;
            for (Readiness.Result r : done.result()) {
                checks.put(r.name(), new JsonObject(Readiness.json(r)));
                ready &= r.ready();
            }
            ctx.response().setStatusCode(ready ? 200 : 503).putHeader("content-type", "application/json")
                    .end(new JsonObject().put("status", ready ? "ready" : "not_ready").put("checks", checks).encode());
        }));
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(router).listen()
                .map(OpsServer::new);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server.close();
    }
}
