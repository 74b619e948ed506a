package dev.portcullis.gateway.ssh;

import io.vertx.core.Future;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A vendor's {@code tcpip-forward} and {@code cancel-tcpip-forward} global requests ({@code ssh -R}). MINA's own
 * handlers would listen on the broker; these ask the target to listen instead, once the grant allows it
 * ({@link GatewaySession#remoteForward}), and answer when the target has — later, but in request order.
 */
final class RemoteForwardRequests implements RequestHandler<ConnectionService> {

    static final RemoteForwardRequests INSTANCE = new RemoteForwardRequests();

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) {
        boolean forward = "tcpip-forward".equals(request);
        if (!forward && !"cancel-tcpip-forward".equals(request)) {
            return Result.Unsupported;
        }
        String bindHost = buffer.getString();
        int port = buffer.getInt();
        GatewaySession session = GatewaySession.of(service.getSession());
        if (session == null) {
            return Result.ReplyFailure;
        }
        Future<Integer> decided = forward ? session.remoteForward(bindHost, port)
                : session.cancelRemoteForward(bindHost, port).map(port);
        // Only a forward to port 0 carries the port the target chose (RFC 4254 §7.1).
        session.replyGlobal(decided, wantReply, forward && port == 0);
        return Result.Replied;
    }
}
