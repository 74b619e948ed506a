package dev.portcullis.gateway.ssh;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;

import java.io.IOException;

/**
 * A vendor's local port forward ({@code ssh -L}, {@code ssh -W}), opened from the target — never from the
 * broker — and only when the grant's scope allows forwarding. MINA 2.20 replaces the text of a failed open with a
 * generic one; the verifier's ledger entry has the precise reason. The forward itself is an event in the
 * session's recording.
 */
final class ForwardChannel extends RelayChannel {

    static final ChannelFactory FACTORY = new ChannelFactory() {
        @Override
        public String getName() {
            return "direct-tcpip";
        }

        @Override
        public ForwardChannel createChannel(Session session) {
            return new ForwardChannel();
        }
    };

    @Override
    protected Future<ClientChannel> connect(Buffer open) {
        String host = open.getString();
        int port = open.getInt();
        String originatorHost = open.getString();
        int originatorPort = open.getInt();
        GatewaySession session = GatewaySession.of(getSession());
        if (session == null) {
            return Future.failedFuture(new Refusal("portcullis: not authenticated"));
        }
        return session.admit(new ChannelRequest.Forward(host, port), null).compose(admitted -> {
            Promise<ClientChannel> opened = Promise.promise();
            try {
                ChannelDirectTcpip up = admitted.upstream().createDirectTcpipChannel(
                        new SshdSocketAddress(originatorHost, originatorPort), new SshdSocketAddress(host, port));
                up.setStreaming(StreamingChannel.Streaming.Async);
                up.open().addListener(upOpened -> {
                    if (!upOpened.isOpened()) {
                        up.close(true);
                        opened.fail(new Refusal("portcullis: the target could not connect to " + host + ":" + port));
                        return;
                    }
                    admitted.recorder().mark("portcullis: forwarding to " + host + ":" + port);
                    opened.complete(up);
                });
            } catch (IOException | RuntimeException e) {
                opened.tryFail(new Refusal("portcullis: the target refused the forward: " + e.getMessage()));
            }
            return opened.future();
        });
    }

    @Override
    protected int chunkSize() {
        return GatewaySession.of(getSession()).chunkSize();
    }
}
