package dev.portcullis.gateway.ssh;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncInputStream;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.channel.AbstractServerChannel;

import java.io.IOException;
import java.util.List;

/**
 * A vendor's local port forward ({@code ssh -L}, {@code ssh -W}), opened from the target — never from the
 * broker — and only when the grant's scope allows forwarding. The channel opens only once the grant allows it
 * and the target has opened its side, so a refusal is the client's {@code open failed: administratively
 * prohibited} (MINA 2.20 replaces the text of a failed open with a generic one; the verifier's ledger entry
 * has the precise reason). Bytes move through two {@link Pump}s with the same flow control as a shell; they are
 * not recorded (they are some other protocol, not a terminal), but the forward itself is an event in the
 * session's recording.
 */
final class ForwardChannel extends AbstractServerChannel {

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

    /** What the vendor sends, buffered up to the channel window; window is returned as it is read. */
    private final ChannelAsyncInputStream fromVendor = new ChannelAsyncInputStream(this);
    private ChannelAsyncOutputStream toVendor;
    private volatile ClientChannel upstream;

    private ForwardChannel() {
        super("", List.of(), null);
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        String host = buffer.getString();
        int port = buffer.getInt();
        String originatorHost = buffer.getString();
        int originatorPort = buffer.getInt();
        DefaultOpenFuture opened = new DefaultOpenFuture(this, this);
        GatewaySession session = GatewaySession.of(getSession());
        if (session == null) {
            return refuse(opened, "portcullis: not authenticated");
        }
        toVendor = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA) {
            @Override
            protected CloseFuture doCloseGracefully() {
                // Like MINA's own forwarding channels: the last byte, then EOF.
                DefaultCloseFuture result = new DefaultCloseFuture(getChannelId(), futureLock);
                super.doCloseGracefully().addListener(written -> {
                    try {
                        IoWriteFuture eof = sendEof();
                        if (eof != null) {
                            eof.addListener(f -> result.setClosed());
                            return;
                        }
                    } catch (IOException e) {
                        log.debug("EOF not sent on {}: {}", ForwardChannel.this, e.toString());
                    }
                    result.setClosed();
                });
                return result;
            }
        };
        session.admit(new ChannelRequest.Forward(host, port), null).onComplete(admitted -> {
            if (admitted.failed()) {
                refuse(opened, Refusal.messageOf(admitted.cause()));
                return;
            }
            try {
                ChannelDirectTcpip up = admitted.result().upstream().createDirectTcpipChannel(
                        new SshdSocketAddress(originatorHost, originatorPort), new SshdSocketAddress(host, port));
                up.setStreaming(StreamingChannel.Streaming.Async);
                upstream = up;
                up.open().addListener(upOpened -> {
                    if (!upOpened.isOpened()) {
                        refuse(opened, "portcullis: the target could not connect to " + host + ":" + port);
                        return;
                    }
                    admitted.result().recorder().mark("portcullis: forwarding to " + host + ":" + port);
                    signalChannelOpenSuccess();
                    opened.setOpened();
                    pump(up);
                });
            } catch (IOException | RuntimeException e) {
                refuse(opened, "portcullis: the target refused the forward: " + e.getMessage());
            }
        });
        return opened;
    }

    private void pump(ClientChannel up) {
        Pump.Tap uncounted = (bytes, offset, length, ready) -> ready.run();
        int chunk = GatewaySession.of(getSession()).chunkSize();
        new Pump(up.getAsyncOut(), toVendor, chunk, uncounted, failure -> toVendor.close(false)).start();
        new Pump(fromVendor, up.getAsyncIn(), chunk, uncounted, failure -> up.getAsyncIn().close(false)).start();
        up.addCloseFutureListener(closed -> close(false));
    }

    private OpenFuture refuse(DefaultOpenFuture opened, String why) {
        opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, why));
        close(true);
        return opened;
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        fromVendor.write(new ByteArrayBuffer(data, off, (int) len));
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) {
        throw new UnsupportedOperationException("a forwarded connection has no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        fromVendor.close(false);
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        if (toVendor != null) {
            toVendor.onWindowExpanded();
        }
    }

    @Override
    protected boolean mayWrite() {
        return !isClosed();
    }

    @Override
    protected Closeable getInnerCloseable() {
        ClientChannel up = upstream;
        return builder().close(toVendor).close(fromVendor).close(up).close(super.getInnerCloseable()).build();
    }
}
