package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A vendor's session channel. MINA's {@link ChannelSession} parses the requests; this keeps what the target
 * must see again (terminal, size, environment), relays window changes, signals and breaks to the target
 * once a {@link ChannelBridge} runs, starts that bridge for shell, exec and subsystem requests, notes agent
 * forwarding for the bridge to check against the grant, and refuses X11 forwarding outright: the broker never
 * lends a vendor's display to a customer host.
 */
final class GatewayChannel extends ChannelSession {

    static final ChannelFactory FACTORY = new ChannelFactory() {
        @Override
        public String getName() {
            return "session";
        }

        @Override
        public GatewayChannel createChannel(Session session) {
            return new GatewayChannel();
        }
    };

    /** Environment variables worth passing on: OpenSSH's default {@code AcceptEnv} on Debian takes these. */
    private static final String[] PASSED_ENV_PREFIXES = {"LANG", "LC_"};

    private volatile PtyRequest pty;
    private final Map<String, String> clientEnv = new LinkedHashMap<>();
    private volatile ChannelBridge bridge;
    private volatile boolean agentRequested;

    PtyRequest pty() {
        return pty;
    }

    synchronized Map<String, String> clientEnv() {
        return Map.copyOf(clientEnv);
    }

    @Override
    protected RequestHandler.Result handlePtyReqParsed(String term, int columns, int rows, int width, int height,
                                                       Map<PtyMode, Integer> modes) throws IOException {
        pty = new PtyRequest(term, columns, rows, width, height, modes);
        return super.handlePtyReqParsed(term, columns, rows, width, height, modes);
    }

    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) throws IOException {
        for (String prefix : PASSED_ENV_PREFIXES) {
            if (name.startsWith(prefix)) {
                synchronized (this) {
                    clientEnv.put(name, value);
                }
            }
        }
        return super.handleEnvParsed(name, value);
    }

    @Override
    protected RequestHandler.Result handleWindowChangeParsed(int columns, int rows, int width, int height) {
        PtyRequest current = pty;
        if (current != null) {
            pty = current.resized(columns, rows, width, height);
        }
        ChannelBridge b = bridge;
        if (b != null) {
            b.windowChanged(columns, rows, width, height);
        }
        return RequestHandler.Result.ReplySuccess;
    }

    @Override
    protected RequestHandler.Result handleSignalParsed(String name) {
        ChannelBridge b = bridge;
        if (b != null) {
            b.signal(name);
        }
        return RequestHandler.Result.ReplySuccess;
    }

    @Override
    protected RequestHandler.Result handleBreakParsed(long breakLength) {
        ChannelBridge b = bridge;
        if (b != null) {
            b.sendBreak(breakLength);
        }
        return RequestHandler.Result.ReplySuccess;
    }

    @Override
    protected RequestHandler.Result handleShellParsed(String request) throws IOException {
        return begin(request, new ChannelRequest.Shell());
    }

    @Override
    protected RequestHandler.Result handleExecParsed(String request, String commandLine) throws IOException {
        return begin(request, new ChannelRequest.Exec(commandLine));
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem) throws IOException {
        return begin(request, new ChannelRequest.Subsystem(subsystem));
    }

    /**
     * Noted, and decided when the shell or command starts ({@link ChannelBridge}): the grant is not known before.
     * OpenSSH asks without wanting a reply; when the grant does not allow forwarding the target simply never
     * gets the request, as with sshd's {@code AllowAgentForwarding no}, and the verifier ledgers the refusal.
     */
    @Override
    protected RequestHandler.Result handleAgentForwarding(String requestType, Buffer buffer, boolean wantReply) {
        agentRequested = true;
        return RequestHandler.Result.ReplySuccess;
    }

    boolean agentRequested() {
        return agentRequested;
    }

    @Override
    protected RequestHandler.Result handleX11ForwardingParsed(String requestType,
            org.apache.sshd.server.session.ServerSession session, boolean singleConnection, String authProtocol,
            String authCookie, int screenId) {
        return RequestHandler.Result.ReplyFailure;
    }

    // The request is answered with success at once and the grant is checked when the bridge starts: the check
    // is asynchronous, and a refusal written to the channel's stderr is what the vendor actually gets to read
    // (a failed request only makes OpenSSH say "exec request failed").
    private RequestHandler.Result begin(String request, ChannelRequest what) throws IOException {
        GatewaySession session = GatewaySession.of(getSession());
        if (session == null || isClosing()) {
            return RequestHandler.Result.ReplyFailure;
        }
        ChannelBridge b = new ChannelBridge(session, this, what);
        bridge = b;
        commandInstance = b;
        return prepareChannelCommand(request, b);
    }

    /**
     * Ends the channel as the target ended it: EOF, then the exit status or signal when there is one, then close.
     * Called once every byte of output has been written to the vendor.
     */
    void finish(Integer exitStatus, String exitSignal) {
        try {
            if (!isClosing()) {
                sendEof();
                if (exitSignal != null) {
                    Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, exitSignal.length() + 64);
                    buffer.putUInt(getRecipient());
                    buffer.putString("exit-signal");
                    buffer.putBoolean(false);
                    buffer.putString(exitSignal);
                    buffer.putBoolean(false);
                    buffer.putString("");
                    buffer.putString("");
                    writePacket(buffer);
                } else if (exitStatus != null) {
                    sendExitStatus(exitStatus);
                }
            }
        } catch (IOException e) {
            log.debug("finish({}) could not send the exit: {}", this, e.toString());
        } finally {
            commandExitFuture.setClosed();
            close(false);
        }
    }
}
