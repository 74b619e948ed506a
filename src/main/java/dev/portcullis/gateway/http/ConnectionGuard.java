package dev.portcullis.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Slow clients: a request's head must arrive whole within the header timeout, counted from the connection's
 * opening and then from the first byte of each further request. A client that trickles its headers (slow-loris)
 * is answered 408 and disconnected; bytes of a body or of a WebSocket do not count. Idle connections between
 * requests are the idle timeout's business, not this one's.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "portcullisHeaderTimeout";
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            + "content-length: 93\r\n\r\n{\"error\":{\"code\":\"header_timeout\",\"message\":\"the request's headers took too long to arrive\"}}")
            .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutMillis;
    private final Consumer<String> timedOut;
    private ChannelHandlerContext context;
    private ScheduledFuture<?> timer;
    private boolean awaitingHead = true;

    private ConnectionGuard(long timeoutMillis, Consumer<String> timedOut) {
        this.timeoutMillis = timeoutMillis;
        this.timedOut = timedOut;
    }

    /** Puts the guard in front of the request decoder; answers it, or null if the pipeline is not HTTP/1.x. */
    static ConnectionGuard install(ChannelPipeline pipeline, long timeoutMillis, Consumer<String> timedOut) {
        if (pipeline.get(SmugglingGuard.DECODER) == null) {
            return null;
        }
        ConnectionGuard guard = new ConnectionGuard(timeoutMillis, timedOut);
        pipeline.addBefore(SmugglingGuard.DECODER, NAME, guard);
        return guard;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        arm();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (awaitingHead && timer == null) {
            arm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    /** The request's head has arrived: stop the clock until the response is done (called on the event loop). */
    void headReceived() {
        awaitingHead = false;
        disarm();
    }

    /** The exchange is over; the next bytes start the next request's clock. */
    void exchangeDone() {
        awaitingHead = true;
    }

    /** No more HTTP on this connection (it became a WebSocket). */
    void upgraded() {
        awaitingHead = false;
        disarm();
        if (context != null && context.pipeline().get(NAME) != null) {
            context.pipeline().remove(this);
        }
    }

    private void arm() {
        timer = context.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (!awaitingHead || !context.channel().isActive()) {
            return;
        }
        awaitingHead = false;
        String remote = String.valueOf(context.channel().remoteAddress());
        // Written below the HTTP encoder (there is no request object to answer): raw bytes, then close.
        ChannelHandlerContext encoder = context.pipeline().context("httpEncoder");
        ChannelHandlerContext writeFrom = encoder != null ? encoder : context;
        writeFrom.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        timedOut.accept(remote);
    }
}
