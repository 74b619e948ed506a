package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoWriteFuture;

import java.io.IOException;

/**
 * A channel's outgoing data that, closed gracefully, writes its last byte and then sends EOF — as MINA's own
 * forwarding channels do — so the peer sees the relayed connection's half-close.
 */
final class EofAfterLastByte extends ChannelAsyncOutputStream {

    /** Sends the channel's EOF ({@code AbstractChannel.sendEof} is protected); may answer null. */
    interface Eof {
        IoWriteFuture send() throws IOException;
    }

    private final Eof eof;

    EofAfterLastByte(Channel channel, Eof eof) {
        super(channel, SshConstants.SSH_MSG_CHANNEL_DATA);
        this.eof = eof;
    }

    @Override
    protected CloseFuture doCloseGracefully() {
        DefaultCloseFuture result = new DefaultCloseFuture(getChannel().toString(), futureLock);
        super.doCloseGracefully().addListener(written -> {
            try {
                IoWriteFuture sent = eof.send();
                if (sent != null) {
                    sent.addListener(f -> result.setClosed());
                    return;
                }
            } catch (IOException e) {
                log.debug("EOF not sent on {}: {}", getChannel(), e.toString());
            }
            result.setClosed();
        });
        return result;
    }
}
