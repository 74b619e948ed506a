package dev.portcullis.gateway.ssh;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;
import dev.portcullis.store.LedgerEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One vendor connection and, once its first channel is admitted, the Portcullis session it becomes:
 * grant check, session row and certificate, recording, the upstream connection, the window timer, and the
 * end — whether the vendor left, the target went away, or the grant closed and the session is cut.
 *
 * <p>Runs on MINA I/O threads and Vert.x event loops alike; state changes take this object's lock, and no
 * call out is made while holding it.
 */
final class GatewaySession {

    private static final Logger LOG = LoggerFactory.getLogger(GatewaySession.class);
    private static final AttributeRepository.AttributeKey<GatewaySession> KEY = new AttributeRepository.AttributeKey<>();

    /** How a session's end treats the vendor's connection. */
    enum Ending {
        /** The vendor is leaving or was refused: nothing to tell, nothing to disconnect. */
        QUIETLY,
        /** The target went away: deliver what it sent, then disconnect with the message. */
        DRAINED,
        /** A cut: disconnect with the message at once, then close the target; in-flight output is dropped. */
        AT_ONCE
    }

    /** What an admitted channel bridges to. */
    record Admission(ClientSession upstream, RecordingQueue recorder) {
    }

    private final GatewayServer server;
    private final ServerSession front;
    private final Map<String, Optional<Principal>> keys = new ConcurrentHashMap<>();
    private final Set<ChannelBridge> bridges = ConcurrentHashMap.newKeySet();
    private final Promise<Void> ended = Promise.promise();
    private final AtomicBoolean tornDown = new AtomicBoolean();
    private final AtomicBoolean disconnecting = new AtomicBoolean();
    /** Completed when, after the end was decided, the last channel has gone. */
    private final Promise<Void> quiet = Promise.promise();
    /** The ports the target listens on for this session's remote forwards ({@code ssh -R}). */
    private final Set<Integer> remotePorts = ConcurrentHashMap.newKeySet();
    /** Whether a channel of this session was granted agent forwarding: only then may the target reach the agent. */
    private volatile boolean agentForwarded;
    private volatile Principal principal;
    /** The user name of the last authentication attempt: MINA knows it only once one succeeds. */
    private volatile String attemptedLogin;

    // guarded by this
    private Future<Admission> opening;
    private Grant grant;
    private Target target;
    private UUID id;
    private Instant startedAt;
    private ClientSession upstream;
    private RecordingQueue recorder;
    private String endReason;
    private String endActor;
    private String endMessage;
    private Ending ending = Ending.QUIETLY;
    /** Global request replies go out in request order (RFC 4254 §4), whenever each is decided. */
    private Future<Void> globalReplies = Future.succeededFuture();
    private Future<Void> forwardsSettled = Future.succeededFuture();

    private GatewaySession(GatewayServer server, ServerSession front) {
        this.server = server;
        this.front = front;
    }

    static GatewaySession attach(GatewayServer server, ServerSession front) {
        GatewaySession session = new GatewaySession(server, front);
        front.setAttribute(KEY, session);
        return session;
    }

    static GatewaySession of(Session front) {
        return front == null ? null : front.getAttribute(KEY);
    }

    // ---- authentication ------------------------------------------------------------------------------

    /** null when the key was not looked up yet on this connection. */
    Optional<Principal> knownKey(String fingerprint) {
        return keys.get(fingerprint);
    }

    void rememberKey(String login, String fingerprint, Optional<Principal> found) {
        attemptedLogin = login;
        keys.put(fingerprint, found);
    }

    void authenticated(String fingerprint) {
        Optional<Principal> found = keys.get(fingerprint);
        principal = found == null ? null : found.orElse(null);
    }

    int chunkSize() {
        return server.options().chunkSize();
    }

    synchronized UUID id() {
        return id;
    }

    synchronized Grant grant() {
        return grant;
    }

    // ---- admission -----------------------------------------------------------------------------------

    /**
     * Admits one channel request. The first opens the session; later ones (a multiplexing client's further
     * channels) must be allowed by the same grant and share the session's upstream connection.
     */
    Future<Admission> admit(ChannelRequest request, GatewayChannel channel) {
        Future<Admission> first;
        synchronized (this) {
            if (endReason != null) {
                return Future.failedFuture(new Refusal(endMessage != null ? endMessage : "portcullis: this session has ended"));
            }
            if (opening == null) {
                opening = open(request, channel);
                return opening;
            }
            first = opening;
        }
        return first.compose(admission -> {
            Principal who = principal;
            String user = upstreamUser(admission);
            return server.verifier().verify(new GrantVerifier.Attempt(who, LoginName.parse(front.getUsername()).target(),
                    request.action(user), grant().id(), false)).compose(verdict -> {
                if (verdict instanceof Verdict.Refused refused) {
                    return Future.failedFuture(new Refusal("portcullis: refused: " + refused.message()));
                }
                return Future.succeededFuture(admission);
            });
        });
    }

    private static String upstreamUser(Admission admission) {
        return admission.upstream().getUsername();
    }

    private Future<Admission> open(ChannelRequest request, GatewayChannel channel) {
        Principal who = principal;
        if (who == null) {
            return Future.failedFuture(new Refusal("portcullis: not authenticated"));
        }
        LoginName login = LoginName.parse(front.getUsername());
        return UnixUserChoice.choose(server.pool(), who, login).compose(user -> {
            Action action = request.action(user);
            return server.verifier().verify(new GrantVerifier.Attempt(who, login.target(), action, null, true))
                    .compose(verdict -> {
                        if (verdict instanceof Verdict.Refused refused) {
                            return Future.failedFuture(new Refusal("portcullis: refused: " + refused.message()));
                        }
                        Verdict.Allowed allowed = (Verdict.Allowed) verdict;
                        synchronized (this) {
                            grant = allowed.grant();
                            target = allowed.target();
                        }
                        server.register(this);
                        return start(who, user, action, allowed, channel);
                    });
        }).recover(failure -> {
            synchronized (this) {
                if (endReason == null) {
                    endReason = failure instanceof UpstreamConnector.HostKeyMismatch ? "refused"
                            : failure instanceof Refusal && id == null ? "refused" : "error";
                    endActor = "broker";
                }
            }
            if (!(failure instanceof Refusal)) {
                LOG.warn("session for {} failed to open", front.getUsername(), failure);
            } else if (failure instanceof UpstreamConnector.HostKeyMismatch) {
                LOG.error("{} (vendor connection {})", failure.getMessage(), front.getUsername());
            }
            teardown(Map.of("detail", Refusal.messageOf(failure)));
            return Future.failedFuture(failure);
        });
    }

    private Future<Admission> start(Principal who, String user, Action action, Verdict.Allowed allowed, GatewayChannel channel) {
        Grant g = allowed.grant();
        TargetEndpoint endpoint = TargetEndpoint.of(allowed.target());
        return server.records().recordsInput(g).compose(recordInput ->
                server.records().open(g, allowed.target(), who, user, action, recordInput).compose(opened -> {
                    synchronized (this) {
                        id = opened.id();
                        startedAt = Instant.now();
                    }
                    server.indexSession(this, opened.id());
                    // The verifier caches session counts; this node just changed one.
                    server.verifier().invalidate(who.id(), g.targetId());
                    return stillWanted()
                            .compose(v -> server.vertx().executeBlocking(() -> record(opened.id(), channel, who, user, recordInput)))
                            .compose(rec -> {
                                synchronized (this) {
                                    recorder = new RecordingQueue(rec, server.recordingPool(), server.bytesToVendor(), server.bytesToTarget());
                                }
                                return stillWanted();
                            })
                            .compose(v -> server.connector().connect(endpoint, user, opened.identity()))
                            .compose(this::live);
                }));
    }

    private AsciicastRecorder record(UUID sessionId, GatewayChannel channel, Principal who, String user, boolean recordInput)
            throws IOException {
        PtyRequest pty = channel == null ? null : channel.pty();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TERM", pty == null ? "dumb" : pty.term());
        env.put("SHELL", "/bin/sh");
        String address = SshGateway.liveAddress(sessionId);
        // A client without a terminal of its own (ssh -tt from a script) asks for a 0x0 one; players need a size.
        int columns = pty == null || pty.columns() <= 0 ? 80 : pty.columns();
        int rows = pty == null || pty.rows() <= 0 ? 24 : pty.rows();
        return AsciicastRecorder.create(server.recording(sessionId), columns, rows,
                Instant.now().getEpochSecond(), "portcullis session " + sessionId + ": " + who.name() + " as " + user
                        + " on " + target().name(), env, recordInput, (index, line) -> server.vertx().eventBus().publish(address, line,
                        new DeliveryOptions().addHeader(SshGateway.LINE_HEADER, Long.toString(index))), server.recordingPool());
    }

    /** The recording's line count once all before is flushed; null while there is no recording yet. */
    Future<Long> flushedRecording() {
        RecordingQueue rec;
        synchronized (this) {
            rec = recorder;
        }
        return rec == null ? Future.succeededFuture(0L) : rec.flushed();
    }

    private synchronized String endReason() {
        return endReason;
    }

    private synchronized Target target() {
        return target;
    }

    private Future<Void> stillWanted() {
        synchronized (this) {
            if (endReason == null) {
                return Future.succeededFuture();
            }
            return Future.failedFuture(new Refusal(endMessage != null ? endMessage : "portcullis: this session has ended"));
        }
    }

    private Future<Admission> live(ClientSession up) {
        Instant notAfter;
        boolean cut;
        synchronized (this) {
            cut = endReason != null;
            if (!cut) {
                upstream = up;
            }
            notAfter = grant.window().notAfter();
        }
        if (cut) {
            up.close(true);
            return stillWanted().map(v -> null);
        }
        // Channels the target opens back (forwarded-tcpip, auth-agent) find their session through this.
        up.setAttribute(KEY, this);
        up.addCloseFutureListener(closed -> end("upstream_closed", "broker", "portcullis: the target closed the connection",
                Ending.DRAINED));
        // Every node keeps its own timer for its sessions' window end, so a node cut off from the database still
        // cuts on time; one per grant, which cuts all of the grant's sessions together.
        server.armWindowEnd(grant(), notAfter);
        publish("LIVE", null);
        return Future.succeededFuture(new Admission(up, recorder));
    }

    // ---- forwarding back to the vendor -------------------------------------------------------------------

    /**
     * A vendor's {@code tcpip-forward}: checked against the grant, then asked of the target, which listens (never
     * the broker). Answers the port the target listens on. A refusal ends nothing but the forward: the grant is
     * checked before the session is opened for it, so {@code ssh -R} without a command, or a refused forward before
     * an allowed command, behave as with OpenSSH's own {@code AllowTcpForwarding}.
     */
    Future<Integer> remoteForward(String bindHost, int port) {
        ChannelRequest.RemoteForward request = new ChannelRequest.RemoteForward(bindHost, port);
        Future<Integer> listening = precheck(request).compose(v -> admit(request, null)).compose(admission -> {
            ClientSession up = admission.upstream();
            Promise<Integer> bound = Promise.promise();
            Buffer ask = up.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, bindHost.length() + 64);
            ask.putString("tcpip-forward");
            ask.putBoolean(true);
            ask.putString(bindHost);
            ask.putUInt(port);
            try {
                up.request(ask, "tcpip-forward", (cmd, reply) -> {
                    if (cmd != SshConstants.SSH_MSG_REQUEST_SUCCESS) {
                        bound.tryFail(new Refusal("portcullis: the target refused to listen on " + bindHost + ":" + port));
                        return;
                    }
                    int chosen = port == 0 ? (int) reply.getUInt() : port;
                    remotePorts.add(chosen);
                    admission.recorder().mark("portcullis: the target listens on " + bindHost + ":" + chosen + " for the vendor");
                    bound.tryComplete(chosen);
                });
            } catch (IOException e) {
                bound.tryFail(e);
            }
            return bound.future();
        });
        synchronized (this) {
            forwardsSettled = Future.join(forwardsSettled, listening).otherwiseEmpty().mapEmpty();
        }
        return listening;
    }

    /**
     * Completes once the remote forwards asked for so far are set up or refused. A shell or command waits for it:
     * OpenSSH asks for its forwards before its command, and sshd sets them up in that order, so a command may
     * rely on them — as it may here, though the grant check makes the forwards asynchronous.
     */
    synchronized Future<Void> forwardsSettled() {
        return forwardsSettled;
    }

    Future<Void> cancelRemoteForward(String bindHost, int port) {
        ClientSession up;
        synchronized (this) {
            up = upstream;
        }
        if (up == null || !remotePorts.remove(port)) {
            return Future.failedFuture(new Refusal("portcullis: no such remote forward"));
        }
        Buffer ask = up.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, bindHost.length() + 64);
        ask.putString("cancel-tcpip-forward");
        ask.putBoolean(true);
        ask.putString(bindHost);
        ask.putUInt(port);
        Promise<Void> cancelled = Promise.promise();
        try {
            up.request(ask, "cancel-tcpip-forward", (cmd, reply) -> {
                if (cmd == SshConstants.SSH_MSG_REQUEST_SUCCESS) {
                    cancelled.tryComplete();
                } else {
                    cancelled.tryFail(new Refusal("portcullis: the target did not cancel " + bindHost + ":" + port));
                }
            });
        } catch (IOException e) {
            cancelled.tryFail(e);
        }
        return cancelled.future();
    }

    /** Whether the target listens on {@code port} for one of this session's remote forwards. */
    boolean forwardsRemotePort(int port) {
        return remotePorts.contains(port);
    }

    /** Agent forwarding for {@code channel}: checked against the grant; the refusal is ledgered by the verifier. */
    Future<Void> forwardAgent(GatewayChannel channel) {
        return admit(new ChannelRequest.Agent(), channel).map(admission -> {
            agentForwarded = true;
            return null;
        });
    }

    boolean forwardsAgent() {
        return agentForwarded;
    }

    /**
     * Opens a channel of {@code type} to the vendor's client on the target's behalf, with the target's own open
     * payload; completes once the vendor's client has opened it.
     */
    Future<ClientChannel> toVendor(String type, byte[] payload) {
        VendorBoundChannel channel = new VendorBoundChannel(type, payload);
        Promise<ClientChannel> opened = Promise.promise();
        try {
            front.getService(ConnectionService.class).registerChannel(channel);
            channel.open().addListener(done -> {
                if (done.isOpened()) {
                    opened.complete(channel);
                } else {
                    channel.close(true);
                    opened.fail(new Refusal("portcullis: the vendor's client refused the " + type + " channel"));
                }
            });
        } catch (IOException | RuntimeException e) {
            channel.close(true);
            opened.tryFail(e);
        }
        return opened.future();
    }

    /** Sends the answer to a global request once {@code decided} completes, after the answers to earlier ones. */
    void replyGlobal(Future<Integer> decided, boolean wantReply, boolean withPort) {
        synchronized (this) {
            globalReplies = globalReplies.transform(previous -> decided.transform(result -> {
                if (wantReply) {
                    sendGlobalReply(result.succeeded(), withPort ? result.result() : null);
                }
                return Future.succeededFuture();
            }));
        }
    }

    private void sendGlobalReply(boolean success, Integer port) {
        try {
            Buffer reply = front.createBuffer(success ? SshConstants.SSH_MSG_REQUEST_SUCCESS : SshConstants.SSH_MSG_REQUEST_FAILURE, 8);
            if (success && port != null) {
                reply.putUInt(port);
            }
            front.writePacket(reply);
        } catch (IOException e) {
            LOG.debug("global request reply not sent: {}", e.toString());
        }
    }

    /** Checks a request against the grant without opening a session for it (once one is open, admit checks). */
    private Future<Void> precheck(ChannelRequest request) {
        synchronized (this) {
            if (opening != null) {
                return Future.succeededFuture();
            }
        }
        Principal who = principal;
        if (who == null) {
            return Future.failedFuture(new Refusal("portcullis: not authenticated"));
        }
        LoginName login = LoginName.parse(front.getUsername());
        return UnixUserChoice.choose(server.pool(), who, login)
                .compose(user -> server.verifier().verify(new GrantVerifier.Attempt(who, login.target(), request.action(user), null, true)))
                .compose(verdict -> verdict instanceof Verdict.Refused refused
                        ? Future.failedFuture(new Refusal("portcullis: refused: " + refused.message()))
                        : Future.succeededFuture());
    }

    // ---- channels --------------------------------------------------------------------------------------

    void attach(ChannelBridge bridge) {
        bridges.add(bridge);
    }

    void detach(ChannelBridge bridge) {
        bridges.remove(bridge);
        boolean ending;
        synchronized (this) {
            ending = endReason != null;
        }
        if (ending && bridges.isEmpty()) {
            quiet.tryComplete();
        }
    }

    // ---- the end ------------------------------------------------------------------------------------------

    /**
     * Ends the session for {@code reason}; the first call wins, later ones just wait for it. A cut
     * ({@link Ending#AT_ONCE}) disconnects the vendor with {@code message} — which OpenSSH prints — before it
     * closes the target connection, so that a thousand sessions cut at once are all told within moments.
     */
    Future<Void> end(String reason, String actor, String message, Ending how) {
        if (how == Ending.AT_ONCE) {
            Runnable rest = cut(reason, actor, message);
            if (rest != null) {
                rest.run();
            }
            return ended.future();
        }
        return decide(reason, actor, message, how);
    }

    /**
     * The first half of a cut: decides the end and disconnects the vendor with {@code message}, nothing more.
     * Answers the second half (close the target connection, finish the recording, write the end), or null when
     * the session was already ending. Cutting many sessions at once, every vendor is told before any session's
     * second half runs ({@link GatewayServer#cut}).
     */
    Runnable cut(String reason, String actor, String message) {
        boolean openingNow;
        synchronized (this) {
            if (endReason != null) {
                return null;
            }
            endReason = reason;
            endActor = actor;
            endMessage = message;
            ending = Ending.AT_ONCE;
            openingNow = opening != null && !opening.isComplete() && upstream == null;
        }
        if (openingNow) {
            // The opening chain notices at its next step and tears down; the vendor hears now.
            bridges.forEach(b -> b.cut(message));
            disconnect();
            return null;
        }
        RecordingQueue rec;
        synchronized (this) {
            rec = recorder;
        }
        if (rec != null) {
            byte[] line = ("\r\n" + message + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            rec.output(AsciicastRecorder.Stream.STDERR, line, 0, line.length, null);
        }
        disconnect();
        return () -> teardown(Map.of());
    }

    private Future<Void> decide(String reason, String actor, String message, Ending how) {
        boolean openingNow;
        synchronized (this) {
            if (endReason != null) {
                return ended.future();
            }
            endReason = reason;
            endActor = actor;
            endMessage = message;
            ending = how;
            openingNow = opening != null && !opening.isComplete() && upstream == null;
        }
        if (openingNow) {
            // The opening chain notices at its next step and tears down; the vendor hears now.
            if (message != null) {
                bridges.forEach(b -> b.cut(message));
            }
            if (how != Ending.QUIETLY) {
                disconnect();
            }
            return ended.future();
        }
        teardown(Map.of());
        return ended.future();
    }

    /** Completes once the session's end is written (or it never opened). */
    Future<Void> ended() {
        return ended.future();
    }

    /** The vendor's connection closed, whatever the reason. */
    void frontClosed() {
        Principal who = principal;
        end("client_exit", who == null ? "unknown" : who.name(), null, Ending.QUIETLY);
        if (who == null) {
            recordUnknownKeys();
        }
    }

    private void teardown(Map<String, Object> details) {
        if (!tornDown.compareAndSet(false, true)) {
            return;
        }
        ClientSession up;
        String message;
        Ending how;
        synchronized (this) {
            up = upstream;
            message = endMessage;
            how = ending;
        }
        if (how == Ending.AT_ONCE) {
            // cut() has recorded the message and disconnected the vendor.
            if (up != null) {
                up.close(true);
            }
            finish(details);
            return;
        }
        if (up != null) {
            up.close(true);
        }
        if (message != null) {
            bridges.forEach(b -> b.cut(message));
        }
        // Let every channel deliver its last output (and the message), but never for longer than the drain
        // grace: a client that stops reading must not hold the end up.
        if (bridges.isEmpty()) {
            quiet.tryComplete();
        } else {
            server.vertx().setTimer(Math.max(1, server.options().drainGrace().toMillis()), t -> quiet.tryComplete());
        }
        quiet.future().onComplete(q -> {
            if (how == Ending.DRAINED) {
                disconnect();
            }
            finish(details);
        });
    }

    private void disconnect() {
        String message;
        String reason;
        synchronized (this) {
            message = endMessage;
            reason = endReason;
        }
        if (disconnecting.compareAndSet(false, true)) {
            if (front.isOpen()) {
                try {
                    front.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, message == null ? "session ended" : message);
                } catch (IOException e) {
                    front.close(true);
                }
            }
            publish("CUT", reason);
        }
    }

    private void finish(Map<String, Object> details) {
        UUID sessionId;
        Grant g;
        RecordingQueue rec;
        String reason;
        String actor;
        Instant started;
        synchronized (this) {
            sessionId = id;
            g = grant;
            rec = recorder;
            reason = endReason;
            actor = endActor;
            started = startedAt;
        }
        if (sessionId == null) {
            server.unregister(this);
            ended.tryComplete();
            return;
        }
        Future<AsciicastRecorder.Summary> recorded = rec == null ? Future.succeededFuture() : rec.finish()
                .recover(failure -> {
                    LOG.error("recording of session {} failed", sessionId, failure);
                    return Future.succeededFuture();
                });
        recorded.compose(summary -> {
            Map<String, Object> payload = new LinkedHashMap<>(details);
            if (summary == null && rec != null) {
                payload.put("recordingError", "the recording could not be written; see the broker log");
            }
            if (summary != null) {
                payload.put("recording", Map.of("file", summary.file().getFileName().toString(), "sha256", summary.sha256(),
                        "bytes", summary.fileBytes()));
                payload.put("bytesToVendor", summary.outputBytes());
                payload.put("bytesFromVendor", summary.inputBytes());
            }
            payload.put("durationMillis", Duration.between(started, Instant.now()).toMillis());
            LOG.info("session {} ended {}: {}", sessionId, reason, payload);
            return server.records().end(sessionId, g, reason, actor, payload);
        }).onComplete(done -> {
            if (done.failed()) {
                LOG.error("session {} ended ({}) but its end could not be recorded", sessionId, reason, done.cause());
            }
            server.verifier().invalidate(g.executorId(), g.targetId());
            server.unregister(this);
            publish("ENDED", reason);
            if (done.succeeded()) {
                ended.tryComplete();
            } else {
                ended.tryFail(done.cause());
            }
        });
    }

    private void recordUnknownKeys() {
        List<String> unknown = keys.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).sorted().toList();
        if (unknown.isEmpty()) {
            return;
        }
        String login = front.getUsername() != null ? front.getUsername() : attemptedLogin;
        String targetName = login == null ? "?" : LoginName.parse(login).target();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("reason", "unknown_identity");
        payload.put("message", "SSH key not registered for any principal");
        payload.put("target", targetName);
        payload.put("keys", unknown);
        payload.put("from", String.valueOf(front.getClientAddress()));
        server.transactions().record(new LedgerEvent("access.refused", "unknown", "target:" + targetName, payload))
                .onFailure(e -> LOG.warn("could not ledger refused keys {}: {}", unknown, e.toString()));
    }

    private void publish(String state, String reason) {
        UUID sessionId;
        Grant g;
        Target t;
        synchronized (this) {
            sessionId = id;
            g = grant;
            t = target;
        }
        JsonObject event = new JsonObject().put("session", String.valueOf(sessionId)).put("grant", String.valueOf(g == null ? null : g.id()))
                .put("protocol", "ssh").put("state", state).put("login", front.getUsername())
                .put("target", t == null ? null : t.name()).put("environment", t == null ? null : t.environment())
                .put("at", Instant.now().toString());
        if (reason != null) {
            event.put("reason", reason);
        }
        server.vertx().eventBus().publish(SshGateway.SESSIONS_ADDRESS, event);
    }
}
