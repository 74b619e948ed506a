package dev.portcullis.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * A reference row of {@code bench/http-bench.sh}: the least a proxy on the gateway's stack can do — a Vert.x HTTP
 * server, and keep-alive connections to the target opened with Netty on the same event loop, as the gateway's
 * {@code UpstreamPool} does — forwarding every request with one header set: no token, no grant, no scope, no
 * recording, no metrics, one listener per core. Its requests/s is what the gateway's stack reaches on this machine
 * at best, so the benchmark can tell the stack's cost from Portcullis'. Bodies are not forwarded (wrk sends none).
 * Arguments: port, upstream base URL. Prints {@code BENCH ready} when listening.
 */
public final class BareVertxProxy extends VerticleBase {

    private final URI upstream;
    private final int port;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private EventLoop loop;

    private BareVertxProxy(int port, URI upstream) {
        this.port = port;
        this.upstream = upstream;
    }

    @Override
    public Future<?> start() {
        loop = ((ContextInternal) context).nettyEventLoop();
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true).setReusePort(true))
                .requestHandler(this::forward).listen();
    }

    private void forward(HttpServerRequest request) {
        Channel pooled = idle.pollLast();
        if (pooled != null && pooled.isActive()) {
            send(pooled, request);
            return;
        }
        new Bootstrap().group(loop).channelFactory(((VertxInternal) vertx).transport().channelFactory(false))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new Answer());
                    }
                })
                .connect(upstream.getHost(), upstream.getPort()).addListener(connected -> {
                    if (connected.isSuccess()) {
                        send(((io.netty.channel.ChannelFuture) connected).channel(), request);
                    } else {
                        request.response().setStatusCode(502).end();
                    }
                });
    }

    private void send(Channel channel, HttpServerRequest request) {
        channel.pipeline().get(Answer.class).request = request;
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
        headers.addAll(request.headers()).set("authorization", "Bearer upstream-secret");
        channel.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method().toNetty(), request.uri(), headers));
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private final class Answer extends ChannelInboundHandlerAdapter {
        private HttpServerRequest request;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            HttpServerResponse response = request.response();
            if (msg instanceof io.netty.handler.codec.http.HttpResponse head) {
                response.setStatusCode(head.status().code());
                for (Map.Entry<String, String> header : head.headers()) {
                    response.headers().add(header.getKey(), header.getValue());
                }
            }
            if (msg instanceof HttpContent content) {
                var chunk = BufferInternal.safeBuffer(content.content());
                if (msg instanceof LastHttpContent) {
                    response.end(chunk);
                    request = null;
                    idle.addLast(ctx.channel());
                } else {
                    response.write(chunk);
                }
            }
        }
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
