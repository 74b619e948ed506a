package dev.portcullis.gateway.ssh;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.domain.Grant;
import dev.portcullis.sessions.GrantClosingHook;
import dev.portcullis.sessions.GrantCut;
import dev.portcullis.store.Transactions;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.global.CancelTcpipForwardHandler;
import org.apache.sshd.server.global.TcpipForwardHandler;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's MINA SSHD server and the registry of this node's sessions, by grant (for the closing hook)
 * and by id (for terminate).
 */
final class GatewayServer implements SshGateway {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    /** Socket read size, both legs; each connection keeps one buffer of this size (1,000 sessions: 2,000 of them). */
    static final int READ_BUFFER_SIZE = 64 * 1024;

    private final Vertx vertx;
    private final SshGatewayOptions options;
    private final Dependencies dependencies;
    private final SessionRecords records;
    private final UpstreamConnector connector;
    private final String hostKeyLine;
    private final Map<UUID, Set<GatewaySession>> byGrant = new ConcurrentHashMap<>();
    private final Map<UUID, GatewaySession> byId = new ConcurrentHashMap<>();
    /** Per grant, the timer that cuts its sessions on this node when its window ends. */
    private final Map<UUID, Long> windowEnds = new ConcurrentHashMap<>();
    private final ExecutorService recordingPool;
    private final Counter toVendor;
    private final Counter toTarget;
    private SshServer server;

    private GatewayServer(Vertx vertx, SshGatewayOptions options, Dependencies dependencies, PublicKey hostKey) {
        this.vertx = vertx;
        this.options = options;
        this.dependencies = dependencies;
        this.records = new SessionRecords(dependencies.transactions(), dependencies.verifier(), dependencies.credentials(),
                dependencies.policy(), options.node());
        this.connector = new UpstreamConnector(vertx, options);
        this.toVendor = dependencies.meters().proxyBytes("ssh", "to_vendor");
        this.toTarget = dependencies.meters().proxyBytes("ssh", "to_target");
        this.hostKeyLine = PublicKeyEntry.toString(hostKey);
        AtomicInteger threads = new AtomicInteger();
        // Recording is CPU and disk work beside the forwarding; one thread per core lets them run side by side.
        this.recordingPool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "portcullis-recorder-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    static Future<SshGateway> start(Vertx vertx, SshGatewayOptions options, Dependencies dependencies) {
        return vertx.executeBlocking(() -> {
            KeyPair hostKey = HostKeyFile.loadOrCreate(options.hostKeyDirectory());
            Files.createDirectories(options.recordingDirectory());
            GatewayServer gateway = new GatewayServer(vertx, options, dependencies, hostKey.getPublic());
            gateway.listen(hostKey);
            LOG.info("SSH gateway listening on {}:{} with host key {}", options.host(), gateway.port(), gateway.hostKeyLine);
            return gateway;
        });
    }

    private void listen(KeyPair hostKey) throws java.io.IOException {
        SshServer s = SshServer.setUpDefaultServer();
        s.setHost(options.host());
        s.setPort(options.port());
        s.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        Algorithms.applyToServer(s, options.vendorCiphers());
        s.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        s.setPublickeyAuthenticator(new VendorKeyAuthenticator(dependencies.transactions().pool(), options.keyLookupTimeout()));
        s.setPasswordAuthenticator(null);
        s.setKeyboardInteractiveAuthenticator(null);
        s.setGSSAuthenticator(null);
        s.setHostBasedAuthenticator(null);
        s.setChannelFactories(List.of(GatewayChannel.FACTORY, ForwardChannel.FACTORY));
        // Local forwards go through ForwardChannel, from the target; remote forwards (-R) are asked of the target,
        // which listens, and its connections come back through TargetChannel; agent forwarding is relayed the
        // same way (GatewayChannel, ChannelBridge). All only when the grant's scope allows forwarding. MINA's own
        // forwarding would listen or connect on the broker itself, and X11 would lend the vendor's display: refused.
        s.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        s.setAgentFactory(null);
        List<RequestHandler<ConnectionService>> global = new ArrayList<>(ServerBuilder.DEFAULT_GLOBAL_REQUEST_HANDLERS);
        global.removeIf(h -> h instanceof TcpipForwardHandler || h instanceof CancelTcpipForwardHandler);
        global.add(RemoteForwardRequests.INSTANCE);
        s.setGlobalRequestHandlers(global);
        CoreModuleProperties.WINDOW_SIZE.set(s, options.windowSize());
        // Twice MINA's 32 KiB: bulk output in fewer reads, decrypts and wake-ups, at 64 KiB per connection.
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(s, READ_BUFFER_SIZE);
        CoreModuleProperties.SERVER_IDENTIFICATION.set(s, "Portcullis");
        // A session lasts as long as its grant allows; the window end, not idleness, ends it.
        CoreModuleProperties.IDLE_TIMEOUT.set(s, Duration.ZERO);
        s.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                GatewaySession.attach(GatewayServer.this, (ServerSession) session);
            }

            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    List<PublicKey> used = session.getAttribute(UserAuthPublicKey.AUTHENTICATED_KEYS);
                    GatewaySession gateway = GatewaySession.of(session);
                    if (gateway != null && used != null && !used.isEmpty()) {
                        gateway.authenticated(VendorKeyAuthenticator.fingerprint(used.get(used.size() - 1)));
                    }
                }
            }

            @Override
            public void sessionClosed(Session session) {
                GatewaySession gateway = GatewaySession.of(session);
                if (gateway != null) {
                    gateway.frontClosed();
                }
            }
        });
        s.start();
        server = s;
    }

    // ---- for the sessions -----------------------------------------------------------------------------

    Vertx vertx() {
        return vertx;
    }

    SshGatewayOptions options() {
        return options;
    }

    GrantVerifier verifier() {
        return dependencies.verifier();
    }

    Transactions transactions() {
        return dependencies.transactions();
    }

    Pool pool() {
        return dependencies.transactions().pool();
    }

    SessionRecords records() {
        return records;
    }

    Counter bytesToVendor() {
        return toVendor;
    }

    Counter bytesToTarget() {
        return toTarget;
    }

    ExecutorService recordingPool() {
        return recordingPool;
    }

    UpstreamConnector connector() {
        return connector;
    }

    void register(GatewaySession session) {
        byGrant.computeIfAbsent(session.grant().id(), g -> ConcurrentHashMap.newKeySet()).add(session);
    }

    void indexSession(GatewaySession session, UUID id) {
        byId.put(id, session);
    }

    void unregister(GatewaySession session) {
        Grant g = session.grant();
        if (g != null) {
            byGrant.computeIfPresent(g.id(), (k, set) -> {
                set.remove(session);
                return set.isEmpty() ? null : set;
            });
        }
        UUID id = session.id();
        if (id != null) {
            byId.remove(id, session);
        }
    }

    /** The line a vendor reads when a closing grant cuts the session. */
    static String cutMessage(GrantCut cut) {
        return "portcullis: session cut: " + cut.message();
    }

    // ---- SshGateway --------------------------------------------------------------------------------------

    @Override
    public Future<java.util.OptionalLong> flushRecording(UUID sessionId) {
        GatewaySession session = byId.get(sessionId);
        if (session == null) {
            return Future.succeededFuture(java.util.OptionalLong.empty());
        }
        return session.flushedRecording().map(java.util.OptionalLong::of);
    }

    @Override
    public int port() {
        return server.getPort();
    }

    @Override
    public String hostKeyLine() {
        return hostKeyLine;
    }

    @Override
    public Path recording(UUID sessionId) {
        return options.recordingDirectory().resolve(sessionId + ".cast");
    }

    @Override
    public GrantClosingHook closingHook() {
        return new GrantClosingHook() {
            @Override
            public String name() {
                return "ssh-gateway";
            }

            @Override
            public Future<Void> close(Grant grant, String reason) {
                GrantCut cut = GrantCut.of(reason);
                return cut(byGrant.getOrDefault(grant.id(), Set.of()), cut.endReason(), "broker", cutMessage(cut));
            }
        };
    }

    /**
     * Cuts {@code sessions} together, in two passes split across the cores: first every vendor is disconnected
     * with {@code message} (cheap: one packet each), then each session closes its target connection, finishes its
     * recording and writes its end (the ends are batched, {@link SessionRecords#end}). No vendor waits for another
     * session's clean-up. Completes when every session's end is written.
     */
    Future<Void> cut(Collection<GatewaySession> sessions, String reason, String actor, String message) {
        List<GatewaySession> all = List.copyOf(sessions);
        if (all.isEmpty()) {
            return Future.succeededFuture();
        }
        Queue<Runnable> rest = new ConcurrentLinkedQueue<>();
        return inParallel(all, session -> {
            Runnable then = session.cut(reason, actor, message);
            if (then != null) {
                rest.add(then);
            }
        }).compose(told -> inParallel(List.copyOf(rest), Runnable::run))
                .compose(done -> Future.join(all.stream().map(GatewaySession::ended).toList()).mapEmpty());
    }

    // One slice per core, on worker threads: the event loops stay free, and the cores share the work.
    private <T> Future<Void> inParallel(List<T> items, java.util.function.Consumer<T> work) {
        int slices = Math.max(1, Math.min(items.size() / 16 + 1, Runtime.getRuntime().availableProcessors()));
        List<Future<Void>> running = new ArrayList<>(slices);
        for (int i = 0; i < slices; i++) {
            int from = items.size() * i / slices;
            int to = items.size() * (i + 1) / slices;
            running.add(vertx.executeBlocking(() -> {
                for (T item : items.subList(from, to)) {
                    try {
                        work.accept(item);
                    } catch (RuntimeException e) {
                        LOG.warn("cutting a session failed", e);
                    }
                }
                return null;
            }, false));
        }
        return Future.join(running).mapEmpty();
    }

    /** Arms the grant's window-end timer on this node once: when it fires, the grant's sessions here are cut. */
    void armWindowEnd(Grant grant, Instant notAfter) {
        windowEnds.computeIfAbsent(grant.id(), id -> vertx.setTimer(Math.max(1, Duration.between(Instant.now(), notAfter).toMillis()),
                t -> {
                    windowEnds.remove(id);
                    cut(byGrant.getOrDefault(id, Set.of()), GrantCut.WINDOW_CLOSED.endReason(), "broker",
                            cutMessage(GrantCut.WINDOW_CLOSED));
                }));
    }

    @Override
    public Future<Boolean> terminate(UUID sessionId, String actor) {
        GatewaySession session = byId.get(sessionId);
        if (session == null) {
            return Future.succeededFuture(false);
        }
        return session.end("terminated", actor, "portcullis: session cut: terminated by " + actor, GatewaySession.Ending.AT_ONCE).map(true);
    }

    @Override
    public int liveSessions() {
        return byId.size();
    }

    @Override
    public Future<Void> close() {
        windowEnds.values().forEach(vertx::cancelTimer);
        return cut(byId.values(), "terminated", "broker", "portcullis: session cut: the broker is shutting down")
                .transform(done -> vertx.executeBlocking(() -> {
            server.stop(true);
            connector.close();
            recordingPool.shutdown();
            return null;
        }));
    }
}
