package dev.portcullis.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;

import java.net.URI;

/**
 * A reference row of {@code bench/http-bench.sh}: a reverse proxy on Netty alone (epoll, one event loop per core,
 * each vendor connection pinned to its own keep-alive connection to the target on the same loop), forwarding
 * HTTP objects with one header set. No Vert.x, nothing of Portcullis: what the JVM and Netty reach on this machine,
 * so that the benchmark can tell Vert.x's own cost. Arguments: port, upstream base URL. Prints {@code BENCH ready}.
 */
public final class BareNettyProxy {

    private BareNettyProxy() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        URI upstream = URI.create(args[1]);
        int loops = Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, EpollIoHandler.newFactory());
        ServerBootstrap server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(EpollChannelOption.SO_REUSEPORT, true).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.config().setAutoRead(false); // until its upstream connection is there
                        channel.pipeline().addLast(new HttpServerCodec(), new Vendor(upstream));
                    }
                });
        for (int i = 0; i < loops; i++) {
            server.bind("127.0.0.1", port).sync();
        }
        System.out.println("BENCH ready " + port + " epoll");
        System.out.flush();
    }

    private static final class Vendor extends ChannelInboundHandlerAdapter {
        private final URI upstream;
        private Channel target;

        Vendor(URI upstream) {
            this.upstream = upstream;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel vendor = ctx.channel();
            new Bootstrap().group(vendor.eventLoop()).channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            channel.pipeline().addLast(new HttpClientCodec(), new Relay(vendor));
                        }
                    })
                    .connect(upstream.getHost(), upstream.getPort()).addListener((ChannelFutureListener) connected -> {
                        if (connected.isSuccess()) {
                            target = connected.channel();
                            vendor.config().setAutoRead(true);
                        } else {
                            vendor.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer upstream-secret");
            }
            target.write(msg, target.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            target.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (target != null) {
                target.close();
            }
        }
    }

    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel vendor;

        Relay(Channel vendor) {
            this.vendor = vendor;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            vendor.write(msg, vendor.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            vendor.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            vendor.close();
        }
    }
}
