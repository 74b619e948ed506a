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
 *
 * <p>One timer per connection, not one per request: a request only moves the deadline (a field), and the timer,
 * when it fires before the deadline, is set again for the rest — scheduling and cancelling a task on every
 * request cost the gateway measurable throughput under keep-alive load.
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
    /** When the awaited head must have arrived ({@link System#nanoTime}); 0 while no head is awaited or timed. */
    private long deadline;

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
        startClock();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (awaitingHead && deadline == 0) {
            startClock();
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
        deadline = 0;
    }

    /** The exchange is over; the next bytes start the next request's clock. */
    void exchangeDone() {
        awaitingHead = true;
    }

    /** No more HTTP on this connection (it became a WebSocket). */
    void upgraded() {
        awaitingHead = false;
        deadline = 0;
        disarm();
        if (context != null && context.pipeline().get(NAME) != null) {
            context.pipeline().remove(this);
        }
    }

    private void startClock() {
        deadline = Math.max(1, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        if (timer == null) {
            arm(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        }
    }

    private void arm(long delayNanos) {
        timer = context.executor().schedule(this::expire, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (!awaitingHead || deadline == 0 || !context.channel().isActive()) {
            return; // the next request's first bytes start the clock again
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            arm(left); // a later request moved the deadline since this timer was set
            return;
        }
        awaitingHead = false;
        deadline = 0;
        String remote = String.valueOf(context.channel().remoteAddress());
        // Written below the HTTP encoder (there is no request object to answer): raw bytes, then close.
        ChannelHandlerContext encoder = context.pipeline().context("httpEncoder");
        ChannelHandlerContext writeFrom = encoder != null ? encoder : context;
        writeFrom.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        timedOut.accept(remote);
    }
}
