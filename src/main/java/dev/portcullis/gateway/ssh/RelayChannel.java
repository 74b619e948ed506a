package dev.portcullis.gateway.ssh;

import io.vertx.core.Future;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncInputStream;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.channel.AbstractServerChannel;

import java.io.IOException;
import java.util.List;

/**
 * A channel one side opened that the gateway answers by opening the matching channel on the other side, then
 * relays as a plain byte stream: a vendor's {@code direct-tcpip} (to the target), and the target's
 * {@code forwarded-tcpip} and {@code auth-agent@openssh.com} (to the vendor). It opens only once the other side
 * has opened, so a refusal is the opener's {@code open failed: administratively prohibited}. Bytes move through
 * two {@link Pump}s with the same flow control as a shell; they are not recorded (they are some other protocol,
 * not a terminal).
 */
abstract class RelayChannel extends AbstractServerChannel {

    /** What the opener sends, buffered up to the channel window; window is returned as it is read. */
    private final ChannelAsyncInputStream fromOpener = new ChannelAsyncInputStream(this);
    private EofAfterLastByte toOpener;
    private volatile ClientChannel other;

    RelayChannel() {
        super("", List.of(), null);
    }

    /**
     * Opens the other side's channel for this one's open request ({@code open} is positioned after the channel
     * type, id, window and packet size); the answer is open and in asynchronous streaming mode. A failure's
     * message is what the ledger or log says; the opener only learns the channel was prohibited.
     */
    protected abstract Future<ClientChannel> connect(Buffer open);

    protected abstract int chunkSize();

    @Override
    protected final OpenFuture doInit(Buffer buffer) {
        DefaultOpenFuture opened = new DefaultOpenFuture(this, this);
        toOpener = new EofAfterLastByte(this, this::sendEof);
        Future<ClientChannel> connected;
        try {
            connected = connect(buffer);
        } catch (RuntimeException e) {
            connected = Future.failedFuture(e);
        }
        connected.onComplete(done -> {
            if (done.failed()) {
                log.debug("{} refused: {}", this, done.cause().getMessage());
                refuse(opened, Refusal.messageOf(done.cause()));
                return;
            }
            ClientChannel up = done.result();
            other = up;
            if (isClosing()) {
                up.close(true);
                return;
            }
            signalChannelOpenSuccess();
            opened.setOpened();
            pump(up);
        });
        return opened;
    }

    private void pump(ClientChannel up) {
        Pump.Tap uncounted = (bytes, offset, length, ready) -> ready.run();
        int chunk = chunkSize();
        new Pump(up.getAsyncOut(), toOpener, chunk, uncounted, failure -> toOpener.close(false)).start();
        new Pump(fromOpener, up.getAsyncIn(), chunk, uncounted, failure -> up.getAsyncIn().close(false)).start();
        up.addCloseFutureListener(closed -> close(false));
    }

    private void refuse(DefaultOpenFuture opened, String why) {
        opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, why));
        close(true);
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        fromOpener.write(new ByteArrayBuffer(data, off, (int) len));
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) {
        throw new UnsupportedOperationException("a relayed connection has no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        fromOpener.close(false);
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        if (toOpener != null) {
            toOpener.onWindowExpanded();
        }
    }

    @Override
    protected boolean mayWrite() {
        return !isClosed();
    }

    @Override
    protected Closeable getInnerCloseable() {
        ClientChannel up = other;
        return builder().close(toOpener).close(fromOpener).close(up).close(super.getInnerCloseable()).build();
    }
}
