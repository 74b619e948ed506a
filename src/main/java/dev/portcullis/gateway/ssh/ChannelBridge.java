package dev.portcullis.gateway.ssh;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.AsyncCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One vendor channel bridged to one target channel: asks the session to admit the request, opens the same
 * kind of channel on the target (same terminal and size), then runs three {@link Pump}s — target stdout and
 * stderr to the vendor, vendor stdin to the target — each recorded as it passes. The vendor's channel ends
 * the way the target's did (exit status or signal) once all output has been delivered.
 */
final class ChannelBridge implements AsyncCommand {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelBridge.class);

    /** What a refused channel exits with: what OpenSSH's client itself exits with when it could not run the command. */
    static final int REFUSED_EXIT_STATUS = 255;

    private final GatewaySession session;
    private final GatewayChannel channel;
    private final ChannelRequest request;
    private IoInputStream in;
    private IoOutputStream out;
    private IoOutputStream err;
    private volatile ClientChannel upstream;
    private volatile RecordingQueue recorder;
    private volatile String cutMessage;
    private final AtomicInteger outputsOpen = new AtomicInteger(2);
    private final AtomicBoolean finished = new AtomicBoolean();

    ChannelBridge(GatewaySession session, GatewayChannel channel, ChannelRequest request) {
        this.session = session;
        this.channel = channel;
        this.request = request;
    }

    @Override
    public void setIoInputStream(IoInputStream in) {
        this.in = in;
    }

    @Override
    public void setIoOutputStream(IoOutputStream out) {
        this.out = out;
    }

    @Override
    public void setIoErrorStream(IoOutputStream err) {
        this.err = err;
    }

    // The blocking stream setters are never called for an AsyncCommand.
    @Override
    public void setInputStream(InputStream in) {
    }

    @Override
    public void setOutputStream(OutputStream out) {
    }

    @Override
    public void setErrorStream(OutputStream err) {
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        // The channel is ended by GatewayChannel.finish, which can also send an exit signal.
    }

    @Override
    public void start(ChannelSession ignored, Environment env) {
        session.attach(this);
        session.admit(request, channel).onComplete(admitted -> {
            if (admitted.failed()) {
                refuse(Refusal.messageOf(admitted.cause()));
            } else {
                open(admitted.result().upstream(), admitted.result().recorder());
            }
        });
    }

    private void open(ClientSession target, RecordingQueue sessionRecorder) {
        recorder = sessionRecorder;
        boolean agentAsked = channel.agentRequested()
                && (request instanceof ChannelRequest.Shell || request instanceof ChannelRequest.Exec);
        Future<Boolean> agent = !agentAsked ? Future.succeededFuture(false) : session.forwardAgent(channel).transform(done -> {
            if (done.failed()) {
                LOG.info("agent forwarding not relayed for {}: {}", channel, Refusal.messageOf(done.cause()));
            }
            return Future.succeededFuture(done.succeeded());
        });
        session.forwardsSettled().compose(v -> agent).onComplete(forward -> open(target, forward.result()));
    }

    private void open(ClientSession target, boolean forwardAgent) {
        ClientChannel up;
        try {
            up = create(target);
            if (forwardAgent && up instanceof PtyCapableChannelSession withAgent) {
                withAgent.setAgentForwarding(true);
            }
        } catch (IOException | RuntimeException e) {
            refuse("portcullis: the target refused the channel: " + e.getMessage());
            return;
        }
        up.setStreaming(StreamingChannel.Streaming.Async);
        upstream = up;
        if (cutMessage != null) {
            refuse(cutMessage);
            return;
        }
        try {
            up.open().addListener(opened -> {
                if (!opened.isOpened()) {
                    Throwable cause = opened.getException();
                    refuse("portcullis: the target refused the " + describe() + (cause == null ? "" : ": " + cause.getMessage()));
                } else {
                    pump(up);
                }
            });
        } catch (IOException e) {
            refuse("portcullis: the target refused the " + describe() + ": " + e.getMessage());
        }
    }

    private ClientChannel create(ClientSession target) throws IOException {
        PtyRequest pty = channel.pty();
        PtyChannelConfiguration config = pty == null ? new PtyChannelConfiguration() : pty.upstream();
        if (request instanceof ChannelRequest.Shell) {
            ChannelShell shell = target.createShellChannel(config, channel.clientEnv());
            shell.setUsePty(pty != null);
            return shell;
        }
        if (request instanceof ChannelRequest.Exec exec) {
            ChannelExec run = target.createExecChannel(exec.command(), config, channel.clientEnv());
            run.setUsePty(pty != null);
            return run;
        }
        return target.createSubsystemChannel(((ChannelRequest.Subsystem) request).name());
    }

    private void pump(ClientChannel up) {
        int chunk = session.chunkSize();
        RecordingQueue rec = recorder;
        new Pump(up.getAsyncOut(), out, chunk, (b, o, l, ready) -> rec.output(AsciicastRecorder.Stream.STDOUT, b, o, l, ready),
                this::outputEnded).start();
        new Pump(up.getAsyncErr(), err, chunk, (b, o, l, ready) -> rec.output(AsciicastRecorder.Stream.STDERR, b, o, l, ready),
                this::outputEnded).start();
        new Pump(in, up.getAsyncIn(), chunk, rec::input, failure -> {
            if (failure == null) {
                // The vendor sent EOF: pass it on once the last chunk is through.
                up.getAsyncIn().close(false);
            }
        }).start();
    }

    private void outputEnded(Throwable failure) {
        if (failure != null) {
            LOG.warn("output of {} ended early: {}", channel, failure.toString());
        }
        if (outputsOpen.decrementAndGet() == 0) {
            ClientChannel up = upstream;
            String message = cutMessage;
            if (message != null) {
                say(message, () -> end(null, null));
            } else {
                end(up.getExitStatus(), up.getExitSignal());
            }
        }
    }

    private void refuse(String message) {
        say(message, () -> end(REFUSED_EXIT_STATUS, null));
    }

    private void end(Integer exitStatus, String exitSignal) {
        if (finished.compareAndSet(false, true)) {
            session.detach(this);
            channel.finish(exitStatus, exitSignal);
        }
    }

    /** Writes one line to the vendor's stderr, then runs {@code then} whether or not the write succeeded. */
    private void say(String message, Runnable then) {
        String line = message + (channel.pty() != null ? "\r\n" : "\n");
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        RecordingQueue rec = recorder;
        if (rec != null) {
            rec.output(AsciicastRecorder.Stream.STDERR, bytes, 0, bytes.length, null);
        }
        try {
            err.writeBuffer(new ByteArrayBuffer(bytes)).addListener(done -> then.run());
        } catch (IOException | RuntimeException e) {
            then.run();
        }
    }

    /** Ends this channel because its session is cut: the target side goes first, then the vendor reads why. */
    void cut(String message) {
        cutMessage = message;
        ClientChannel up = upstream;
        if (up != null) {
            up.close(true);
        }
    }

    void windowChanged(int columns, int rows, int width, int height) {
        RecordingQueue rec = recorder;
        if (rec != null) {
            rec.resize(columns, rows);
        }
        if (upstream instanceof PtyCapableChannelSession pty && pty.isOpen()) {
            try {
                pty.sendWindowChange(columns, rows, height, width);
            } catch (IOException e) {
                LOG.debug("window-change not relayed: {}", e.toString());
            }
        }
    }

    void signal(String name) {
        request("signal", buffer -> buffer.putString(name));
    }

    void sendBreak(long length) {
        request("break", buffer -> buffer.putUInt(length));
    }

    private void request(String type, java.util.function.Consumer<Buffer> body) {
        ClientChannel up = upstream;
        if (up == null || !up.isOpen()) {
            return;
        }
        try {
            Buffer buffer = up.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
            buffer.putUInt(up.getRecipient());
            buffer.putString(type);
            buffer.putBoolean(false);
            body.accept(buffer);
            up.writePacket(buffer);
        } catch (IOException e) {
            LOG.debug("{} not relayed: {}", type, e.toString());
        }
    }

    @Override
    public void destroy(ChannelSession ignored) {
        finished.set(true);
        session.detach(this);
        ClientChannel up = upstream;
        if (up != null) {
            up.close(true);
        }
    }

    private String describe() {
        if (request instanceof ChannelRequest.Exec) {
            return "command";
        }
        return request instanceof ChannelRequest.Shell ? "shell" : "subsystem";
    }
}
