package dev.portcullis.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.URI;

/**
 * The reference row of {@code bench/http-bench.sh}: the least a Vert.x reverse proxy can do — forward every request
 * to the target over pooled keep-alive connections with one header set, no token, no grant, no scope, no recording,
 * no metrics — on the same transport and with one listener per core, as the gateway runs. Its requests/s is what
 * the gateway's stack can reach on this machine at best, so the benchmark can tell the cost of Vert.x itself from
 * the cost of what Portcullis adds. Arguments: port, upstream base URL. Prints {@code BENCH ready} when listening.
 */
public final class BareVertxProxy extends VerticleBase {

    private final URI upstream;
    private final int port;
    private HttpClient client;

    private BareVertxProxy(int port, URI upstream) {
        this.port = port;
        this.upstream = upstream;
    }

    @Override
    public Future<?> start() {
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(256));
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true).setReusePort(true))
                .requestHandler(this::forward).listen();
    }

    private void forward(HttpServerRequest request) {
        request.pause();
        RequestOptions to = new RequestOptions().setMethod(request.method()).setHost(upstream.getHost()).setPort(upstream.getPort())
                .setURI(request.uri());
        client.request(to).onComplete(opened -> {
            if (opened.failed()) {
                request.response().setStatusCode(502).end();
                return;
            }
            HttpClientRequest up = opened.result();
            up.headers().addAll(request.headers()).set("authorization", "Bearer upstream-secret");
            up.response().onComplete(answered -> {
                if (answered.failed()) {
                    request.response().setStatusCode(502).end();
                    return;
                }
                HttpClientResponse answer = answered.result();
                HttpServerResponse response = request.response().setStatusCode(answer.statusCode());
                response.headers().addAll(answer.headers());
                answer.handler(response::write);
                answer.endHandler(v -> response.end());
            });
            request.handler(up::write);
            request.endHandler(v -> up.end());
            request.resume();
        });
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        URI upstream = URI.create(args[1]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        int listeners = Runtime.getRuntime().availableProcessors();
        vertx.deployVerticle(() -> new BareVertxProxy(port, upstream), new DeploymentOptions().setInstances(listeners))
                .onSuccess(id -> {
                    System.out.println("BENCH ready " + port + " " + (vertx.isNativeTransportEnabled() ? "epoll" : "nio"));
                    System.out.flush();
                })
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }
}
