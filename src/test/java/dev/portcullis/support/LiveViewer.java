package dev.portcullis.support;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A connected viewer of one of the API's WebSocket streams: every text message in order, and the close code once closed. */
public record LiveViewer(WebSocket ws, LinkedBlockingQueue<String> messages, CompletableFuture<Short> closed) {

    /**
     * Connects to {@code /api/v1<path>} on the API port; the token goes as a sub-protocol, as a browser sends it, when
     * {@code likeABrowser}, else as an {@code Authorization} header (none when null).
     */
    public static LiveViewer connect(WebSocketClient client, int apiPort, String path, String token, boolean likeABrowser) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(apiPort).setURI("/api/v1" + path);
        if (likeABrowser) {
            options.addSubProtocol("portcullis.v1").addSubProtocol("portcullis.bearer." + token);
        } else if (token != null) {
            options.addHeader("Authorization", "Bearer " + token);
        }
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Short> closed = new CompletableFuture<>();
        WebSocket ws = await(client.connect(options).onSuccess(socket -> {
            socket.textMessageHandler(messages::add);
            socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
        }));
        return new LiveViewer(ws, messages, closed);
    }

    public String next() throws InterruptedException {
        String m = messages.poll(30, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 30 s");
        }
        return m;
    }

    /** Messages up to and including the end message; the stream must then close normally. */
    public List<String> untilEnd() throws Exception {
        List<String> all = new ArrayList<>();
        while (true) {
            String m = next();
            all.add(m);
            if (m.startsWith("{\"portcullis\":\"end\"")) {
                assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo((short) 1000);
                return all;
            }
        }
    }
}
