package dev.portcullis.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive connections one listener holds to its targets, all on the listener's own event loop: an exchange
 * leases one, sends one request, reads one response and gives it back, without a lock, a future or a thread hop.
 * This replaces Vert.x's HTTP client on the gateway's data path, which cost as much CPU per proxied request as
 * the rest of the gateway together (measured: a Vert.x server in front of this pool proxies about 1.5x the
 * requests a Vert.x server in front of Vert.x's client does, on the same machine).
 */
final class UpstreamPool {

    /** Connections one listener opens to one target at most; more exchanges wait for one to come back. */
    static final int MAX_CONNECTIONS_PER_TARGET = 256;
    /** Exchanges that may wait for a connection to one target before the next is refused as busy. */
    static final int MAX_WAITING_PER_TARGET = 4096;
    /** Largest response header block the gateway reads from a target. */
    static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
    /** Largest body piece the codec hands over at once; bigger bodies arrive in pieces of this size. */
    static final int MAX_CHUNK_BYTES = 64 * 1024;
    /**
     * How long an idle connection is kept: shorter than the shortest common server keep-alive (Node.js closes after
     * 5 s), so the gateway does not send a request on a connection the target is closing.
     */
    static final int KEEP_ALIVE_SECONDS = 4;
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(KEEP_ALIVE_SECONDS);

    /** An exchange waiting for a connection; told on the listener's event loop. */
    interface Lessee {
        void leased(UpstreamConnection connection);

        /** No connection: the target could not be reached (or its TLS identity not verified), or too many wait. */
        void unavailable(boolean busy);
    }

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final SslContext tls;
    private final int connectTimeoutMillis;
    private final int maxInitialLineBytes;
    private final Map<Upstream, Host> hosts = new HashMap<>();
    private final ScheduledFuture<?> sweeper;

    UpstreamPool(EventLoop loop, ChannelFactory<? extends Channel> channels, AddressResolverGroup<InetSocketAddress> resolver,
                 SslContext tls, int connectTimeoutMillis, int maxInitialLineBytes) {
        this.loop = loop;
        this.tls = tls;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.maxInitialLineBytes = maxInitialLineBytes;
        this.bootstrap = new Bootstrap().group(loop).channelFactory(channels).resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis).option(ChannelOption.TCP_NODELAY, true);
        this.sweeper = loop.scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    /** An idle connection to the target, or a new one. Call on the pool's event loop. */
    void lease(Upstream target, Lessee lessee) {
        hosts.computeIfAbsent(target, Host::new).lease(lessee, false);
    }

    /** A new connection to the target, for a request that must not meet another stale one. */
    void leaseNew(Upstream target, Lessee lessee) {
        hosts.computeIfAbsent(target, Host::new).lease(lessee, true);
    }

    /** Closes the idle connections and stops the sweeper; connections in use close with their exchanges. */
    void close() {
        sweeper.cancel(false);
        loop.execute(() -> hosts.values().forEach(Host::closeIdle));
    }

    private void sweep() {
        long now = System.nanoTime();
        hosts.values().forEach(host -> host.sweep(now));
    }

    /** One target's connections. */
    final class Host {
        private final Upstream target;
        private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
        private final ArrayDeque<Lessee> waiting = new ArrayDeque<>();
        private int open;

        private Host(Upstream target) {
            this.target = target;
        }

        private void lease(Lessee lessee, boolean fresh) {
            UpstreamConnection connection;
            // The most recently used first: the least likely to have been closed by the target meanwhile.
            while (!fresh && (connection = idle.pollLast()) != null) {
                if (connection.channel.isActive()) {
                    lessee.leased(connection);
                    return;
                }
            }
            if (open < MAX_CONNECTIONS_PER_TARGET) {
                connect(lessee);
            } else if (waiting.size() < MAX_WAITING_PER_TARGET) {
                waiting.addLast(lessee);
            } else {
                lessee.unavailable(true);
            }
        }

        /** A connection given back in a reusable state. */
        void idle(UpstreamConnection connection) {
            Lessee next = waiting.pollFirst();
            if (next != null) {
                next.leased(connection);
                return;
            }
            connection.idleSinceNanos = System.nanoTime();
            idle.addLast(connection);
        }

        private void closed(UpstreamConnection connection) {
            open--;
            idle.remove(connection);
            Lessee next = waiting.pollFirst();
            if (next != null) {
                connect(next);
            }
        }

        private void sweep(long now) {
            // Closed before the target's own keep-alive timeout can close it under a request being sent.
            UpstreamConnection oldest;
            while ((oldest = idle.peekFirst()) != null && now - oldest.idleSinceNanos > KEEP_ALIVE_NANOS) {
                idle.pollFirst();
                oldest.channel.close();
            }
        }

        private void closeIdle() {
            UpstreamConnection connection;
            while ((connection = idle.pollFirst()) != null) {
                connection.channel.close();
            }
        }

        private void connect(Lessee lessee) {
            UpstreamConnection connection = new UpstreamConnection(this);
            ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel channel) {
                    if (target.ssl()) {
                        channel.pipeline().addLast("tls", verifyingHandler(channel));
                    }
                    channel.pipeline().addLast("codec", new HttpClientCodec(maxInitialLineBytes, MAX_RESPONSE_HEADER_BYTES,
                            MAX_CHUNK_BYTES, false, true));
                    channel.pipeline().addLast("exchange", connection);
                }
            }).connect(target.host(), target.port());
            open++;
            connecting.channel().closeFuture().addListener(closed -> closed(connection));
            connecting.addListener(connected -> {
                SslHandler tlsHandler = connecting.channel().pipeline().get(SslHandler.class);
                if (!connected.isSuccess()) {
                    lessee.unavailable(false);
                } else if (tlsHandler == null) {
                    lessee.leased(connection);
                } else {
                    tlsHandler.handshakeFuture().addListener(verified -> {
                        if (verified.isSuccess()) {
                            lessee.leased(connection);
                        } else {
                            connection.channel.close();
                            lessee.unavailable(false);
                        }
                    });
                }
            });
        }

        /** TLS to the target with its host name checked against its certificate, and SNI sent. */
        private SslHandler verifyingHandler(Channel channel) {
            SslHandler handler = tls.newHandler(channel.alloc(), target.host(), target.port());
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            handler.setHandshakeTimeoutMillis(connectTimeoutMillis);
            return handler;
        }
    }
}
