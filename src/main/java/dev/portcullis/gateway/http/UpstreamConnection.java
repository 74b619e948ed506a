package dev.portcullis.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection to a target, on one listener's event loop, carrying one exchange at a time. Netty's
 * HTTP client codec frames the responses; what they mean is the exchange's business. A connection that hears
 * anything while no exchange holds it, or anything it cannot decode, is closed, never reused.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    /** What the exchange holding a connection hears from it; always called on the listener's event loop. */
    interface Holder {
        /** The response's status line and headers (never a 1xx: those are the connection's business). */
        void head(HttpResponse response);

        /** A piece of the response body; the holder owns it (and must release it). */
        void body(HttpContent content, boolean last);

        /** The connection broke, or the target sent something that is not HTTP. */
        void broken();

        /** The request body may flow again: the connection's write buffer drained below its low-water mark. */
        void writable();
    }

    private final UpstreamPool.Host host;
    Channel channel;
    private Holder holder;
    private boolean informational;
    private int carried;
    long idleSinceNanos;

    UpstreamConnection(UpstreamPool.Host host) {
        this.host = host;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    /** Takes the connection for one exchange; true when it carried one before (it came from the pool). */
    boolean hold(Holder holder) {
        this.holder = holder;
        this.informational = false;
        return carried++ > 0;
    }

    /** Gives the connection back: to the pool when the exchange ended cleanly and both sides keep it alive. */
    void release(boolean reusable) {
        holder = null;
        if (reusable && channel.isActive()) {
            // The last response may have ended while reading was held back for a slow vendor: the next exchange reads.
            channel.config().setAutoRead(true);
            host.idle(this);
        } else {
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Holder to = holder;
        if (to == null || msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse response) {
            // 100 Continue, 103 Early Hints: the gateway answers Expect itself and does not relay hints.
            informational = response.status().code() < 200;
            if (!informational) {
                to.head(response);
            }
        }
        if (msg instanceof HttpContent content) {
            if (informational) {
                informational = !(content instanceof LastHttpContent);
                content.release();
            } else {
                to.body(content, content instanceof LastHttpContent);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (holder != null && ctx.channel().isWritable()) {
            holder.writable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Holder to = holder;
        holder = null;
        if (to != null) {
            to.broken();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // channelInactive tells the holder
    }
}
