package dev.portcullis.gateway.ssh;

import io.vertx.core.Future;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

import java.util.List;

/**
 * A channel the target opens back through the session's upstream connection: {@code forwarded-tcpip} (someone
 * connected to a port the target listens on for the vendor's {@code ssh -R}) or {@code auth-agent@openssh.com}
 * (a program on the target asks for the vendor's agent). Each is relayed to the vendor's client only when this
 * session was granted that forward; anything else the target opens is refused.
 */
final class TargetChannel extends RelayChannel {

    static final String FORWARDED_TCPIP = "forwarded-tcpip";
    static final String AGENT = "auth-agent@openssh.com";

    static final List<ChannelFactory> FACTORIES = List.of(factory(FORWARDED_TCPIP), factory(AGENT));

    private final String type;

    private TargetChannel(String type) {
        this.type = type;
    }

    private static ChannelFactory factory(String type) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return type;
            }

            @Override
            public TargetChannel createChannel(Session session) {
                return new TargetChannel(type);
            }
        };
    }

    @Override
    protected Future<ClientChannel> connect(Buffer open) {
        GatewaySession session = GatewaySession.of(getSession());
        if (session == null) {
            return Future.failedFuture(new Refusal("portcullis: no session for this connection"));
        }
        byte[] payload = new byte[open.available()];
        open.getRawBytes(payload);
        if (FORWARDED_TCPIP.equals(type)) {
            Buffer fields = new org.apache.sshd.common.util.buffer.ByteArrayBuffer(payload);
            fields.getString();
            int port = fields.getInt();
            if (!session.forwardsRemotePort(port)) {
                return Future.failedFuture(new Refusal("portcullis: the target opened a forward for port " + port
                        + ", which this session does not forward"));
            }
        } else if (!session.forwardsAgent()) {
            return Future.failedFuture(new Refusal("portcullis: agent forwarding was not granted to this session"));
        }
        return session.toVendor(type, payload);
    }

    @Override
    protected int chunkSize() {
        GatewaySession session = GatewaySession.of(getSession());
        return session == null ? SshGatewayOptions.DEFAULT_CHUNK_SIZE : session.chunkSize();
    }
}
