package dev.portcullis.gateway.ssh;

import org.apache.sshd.client.channel.AbstractClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.ChannelAsyncInputStream;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.util.buffer.Buffer;

import java.io.IOException;

/**
 * A channel the gateway opens to the vendor's client on the target's behalf: {@code forwarded-tcpip} (a connection
 * to a port the target listens on for a {@code ssh -R}) or {@code auth-agent@openssh.com} (a program on the target
 * talking to the vendor's agent). The open request carries the target's own open payload unchanged, so the
 * vendor's client sees what it would see connected directly.
 */
final class VendorBoundChannel extends AbstractClientChannel {

    private final byte[] payload;

    /** {@code payload}: what follows the channel type, id, window and packet size in the target's open request. */
    VendorBoundChannel(String type, byte[] payload) {
        super(type);
        this.payload = payload;
        setStreaming(Streaming.Async);
    }

    @Override
    public synchronized OpenFuture open() throws IOException {
        if (closeFuture.isClosed()) {
            throw new SshException("the vendor's connection has closed");
        }
        openFuture = new DefaultOpenFuture(getChannelType(), futureLock);
        String type = getChannelType();
        LocalWindow window = getLocalWindow();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, type.length() + payload.length + 32);
        buffer.putString(type);
        buffer.putUInt(getChannelId());
        buffer.putUInt(window.getSize());
        buffer.putUInt(window.getPacketSize());
        buffer.putRawBytes(payload);
        writePacket(buffer);
        return openFuture;
    }

    @Override
    protected void doOpen() {
        asyncIn = new EofAfterLastByte(this, this::sendEof);
        asyncOut = new ChannelAsyncInputStream(this);
    }
}
