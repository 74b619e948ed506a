package dev.portcullis.gateway.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Refuses requests that frame their body two ways. Netty, as RFC 9112 §6.3 allows, silently drops Content-Length
 * when Transfer-Encoding is present and goes on; a front end and a back end that disagree on which one wins is
 * how requests are smuggled, so the gateway refuses instead. It swaps Vert.x's request decoder on each new
 * connection for this subclass, which fails the message; Vert.x then hands it to the invalid-request handler.
 * (Duplicated Content-Length values are already refused by Netty itself.)
 */
final class SmugglingGuard extends VertxHttpRequestDecoder {

    static final String DECODER = "httpDecoder";

    /** Why a request was refused as a smuggling attempt; reaches the invalid-request handler as the decoder failure. */
    static final class Smuggling extends IllegalArgumentException {
        Smuggling(String message) {
            super(message);
        }
    }

    private SmugglingGuard(HttpServerOptions options) {
        super(options);
    }

    /** Installs the guard on a fresh HTTP/1.x connection; false if the pipeline is not the one expected. */
    static boolean install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return false;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get(DECODER) == null) {
            return false;
        }
        pipeline.replace(DECODER, DECODER, new SmugglingGuard(options));
        return true;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new Smuggling("both Content-Length and Transfer-Encoding frame the body");
    }
}
