package dev.portcullis.support.vault;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Vault-compatible HTTP server for tests, per {@code ../shared/vault/CONTRACT.md}: AppRole and
 * tokens with policies, real OpenSSH certificates from {@code ssh/sign}, real PostgreSQL roles from
 * {@code database/creds} under leases that are revoked on request and on expiry, KV version 2, and
 * injectable faults. See README.md beside this class.
 */
public final class VaultTestServer implements AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * How to start the server.
     *
     * @param port      0 for a free port
     * @param jdbcUrl   the PostgreSQL that {@code database/creds} creates roles in; null: none
     * @param kvMounts  KV version 2 mounts ({@link #kvPut} adds more)
     */
    public record Options(String host, int port, String jdbcUrl, String databaseUser, String databasePassword,
            String sshMount, String databaseMount, String approleMount, Set<String> kvMounts, int workerThreads) {

        public Options {
            kvMounts = Set.copyOf(kvMounts);
        }

        public static Options defaults() {
            return new Options("127.0.0.1", 0, null, null, null, "ssh", "database", "approle", Set.of("secret"), 4);
        }

        /** Connects as {@code adminUser}, who must be able to create and drop roles. */
        public Options withDatabase(String jdbcUrl, String adminUser, String adminPassword) {
            return new Options(host, port, jdbcUrl, adminUser, adminPassword, sshMount, databaseMount, approleMount, kvMounts,
                    workerThreads);
        }

        public Options withDatabase(PgConnectOptions pg, String adminUser, String adminPassword) {
            return withDatabase("jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort() + "/" + pg.getDatabase(), adminUser,
                    adminPassword);
        }

        /** Uses the user and password in {@code pg}. */
        public Options withDatabase(PgConnectOptions pg) {
            return withDatabase(pg, pg.getUser(), pg.getPassword());
        }

        public Options withPort(int fixedPort) {
            return new Options(host, fixedPort, jdbcUrl, databaseUser, databasePassword, sshMount, databaseMount, approleMount,
                    kvMounts, workerThreads);
        }

        /** Mount paths of the SSH and database engines and of the AppRole auth method. */
        public Options withMounts(String ssh, String database, String approle) {
            return new Options(host, port, jdbcUrl, databaseUser, databasePassword, ssh, database, approle, kvMounts, workerThreads);
        }
    }

    private final Vertx vertx;
    private final boolean ownVertx;
    private final Options options;
    private final WorkerExecutor worker;
    private final Timers timers;
    private final TokenStore tokens;
    private final LeaseTable leases;
    private final SshEngine ssh;
    private final DatabaseEngine database;
    private final KvEngine kv;
    private final Faults faults;
    private final List<Route> routes;
    private final VaultDispatcher dispatcher;
    private final VaultSocket socket;

    private VaultTestServer(Vertx vertx, boolean ownVertx, Options options) throws GeneralSecurityException {
        this.vertx = vertx;
        this.ownVertx = ownVertx;
        this.options = options;
        this.worker = vertx.createSharedWorkerExecutor("vault-test-server-" + INSTANCES.incrementAndGet(), options.workerThreads());
        this.timers = new Timers(vertx, worker);
        PostgresRoles postgres = options.jdbcUrl() == null ? null
                : new PostgresRoles(options.jdbcUrl(), options.databaseUser(), options.databasePassword());
        this.leases = new LeaseTable(timers, postgres);
        this.tokens = new TokenStore(Instant.now(), gone -> leases.revokeAllOf(gone.id));
        this.ssh = new SshEngine();
        this.database = new DatabaseEngine(postgres, leases);
        this.kv = new KvEngine(options.kvMounts());
        // The socket needs the faults and the faults need the socket: the listener reaches it late.
        this.faults = new Faults(new Faults.Listener() {
            @Override
            public void stopListening() {
                socket.stopListening();
            }

            @Override
            public void listenAgain() {
                socket.listenAgain();
            }
        });
        SysEndpoints sys = new SysEndpoints(leases, faults);
        AuthEndpoints auth = new AuthEndpoints(tokens, this::watchExpiry);
        this.routes = List.of(
                Route.post("/auth/{approle_mount_path}/login", Set.of("role_id", "secret_id"), auth::login).unauthenticated(),
                Route.get("/auth/token/lookup-self", auth::lookupSelf),
                Route.post("/auth/token/renew-self", Set.of("increment"), auth::renewSelf),
                Route.post("/auth/token/revoke-self", Set.of(), auth::revokeSelf),
                Route.post("/{ssh_mount_path}/sign/{role}", SshEngine.signFields(), ssh::sign),
                Route.get("/{ssh_mount_path}/public_key", ssh::publicKey).unauthenticated(),
                Route.get("/{database_mount_path}/creds/{name}", database::creds),
                Route.get("/{kv_v2_mount_path}/data/{path}", kv::read),
                Route.post("/{kv_v2_mount_path}/data/{path}", Set.of("data", "options"), kv::write),
                Route.delete("/{kv_v2_mount_path}/data/{path}", kv::delete),
                Route.post("/sys/leases/lookup", Set.of("lease_id"), sys::lookup),
                Route.post("/sys/leases/renew", Set.of("lease_id", "increment"), sys::renew),
                Route.post("/sys/leases/revoke", Set.of("lease_id", "sync"), sys::revoke),
                Route.get("/sys/health", sys::health).unauthenticated());
        this.dispatcher = new VaultDispatcher(routes, this::mounts, tokens, faults);
        this.socket = new VaultSocket(vertx, worker, options.host(), dispatcher, faults);
    }

    /**
     * Starts a server and waits until it listens. Blocking: call it from a test thread.
     *
     * @param vertx the Vert.x instance to run on; null to let the server own one (closed with it)
     */
    public static VaultTestServer start(Vertx vertx, Options options) {
        Await.notOnEventLoop();
        boolean own = vertx == null;
        Vertx v = own ? Vertx.vertx() : vertx;
        VaultTestServer server;
        try {
            server = new VaultTestServer(v, own, options);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (own) {
                v.close();
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot make the SSH CA key", e);
        }
        try {
            server.socket.open(options.port());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public static VaultTestServer start(Options options) {
        return start(null, options);
    }

    /** {@code http://127.0.0.1:<port>}, what a client's Vault address is set to. */
    public String baseUrl() {
        return "http://" + options.host() + ":" + socket.port();
    }

    public int port() {
        return socket.port();
    }

    /** A token with the {@code root} policy: every path, every capability; it never expires. */
    public String rootToken() {
        return tokens.root().id;
    }

    /** The CA key line ({@code ssh-ed25519 AAAA…}) that {@code GET /v1/ssh/public_key} serves: sshd's {@code TrustedUserCAKeys}. */
    public String sshCaPublicKeyLine() {
        return ssh.caPublicKeyLine();
    }

    public VaultTestServer sshRole(String name, SshRole role) {
        ssh.role(name, role);
        return this;
    }

    public VaultTestServer databaseRole(String name, DatabaseRole role) {
        database.role(name, role);
        return this;
    }

    /** Writes a new version of a KV version 2 secret (mounting {@code mount} if needed); returns the version number. */
    public int kvPut(String mount, String path, Map<String, Object> data) {
        return kv.put(mount, path, new JsonObject(Map.copyOf(data)), Instant.now());
    }

    /** An AppRole whose tokens carry {@code default} plus {@code policies}, one hour TTL. */
    public AppRoleCredentials appRole(String roleName, String... policies) {
        return appRole(roleName, AppRole.of(policies));
    }

    /** An AppRole; replaces a role of the same name (its old role and secret ids stop working). */
    public AppRoleCredentials appRole(String roleName, AppRole role) {
        return tokens.appRole(roleName, role);
    }

    /** A token with {@code default} plus {@code policies}, for clients that authenticate by token. */
    public String token(Duration ttl, String... policies) {
        Duration max = ttl.compareTo(AppRole.DEFAULT_TOKEN_MAX_TTL) > 0 ? ttl : AppRole.DEFAULT_TOKEN_MAX_TTL;
        TokenStore.Token token = tokens.create(List.of(policies), ttl, max, Instant.now());
        watchExpiry(token);
        return token.id;
    }

    public String token(String... policies) {
        return token(AppRole.DEFAULT_TOKEN_TTL, policies);
    }

    /** Completes once the token is revoked or its TTL ran out (and, as in Vault, its leases are being revoked). */
    public CompletableFuture<String> tokenGone(String tokenId) {
        return tokens.gone(tokenId);
    }

    public VaultTestServer policy(String name, Policy policy) {
        tokens.policy(name, policy);
        return this;
    }

    /** The live leases, oldest first. */
    public List<LeaseView> leases() {
        return leases.views();
    }

    public Optional<LeaseView> lease(String leaseId) {
        return leases.find(leaseId).map(Lease::view);
    }

    /** Completes with the lease id once the server has revoked the lease (its database role dropped). */
    public CompletableFuture<String> leaseRevoked(String leaseId) {
        return leases.revoked(leaseId);
    }

    /** Every certificate {@code ssh/sign} issued, oldest first. */
    public List<IssuedCertificate> issuedCertificates() {
        return ssh.issued();
    }

    public Faults faults() {
        return faults;
    }

    /** Requests answered so far, oldest first. */
    public List<ServedRequest> requests() {
        return dispatcher.served();
    }

    /** Requests answered by every test server in this JVM so far. */
    public static List<ServedRequest> requestsServedInThisJvm() {
        return List.copyOf(VaultDispatcher.SERVED_IN_THIS_JVM);
    }

    /** What this server serves, in the terms of Vault's OpenAPI document. */
    public List<ServedRoute> servedRoutes() {
        return routes.stream().map(r -> new ServedRoute(r.method(), r.template(), new TreeSet<>(r.fields()), r.authenticated())).toList();
    }

    /** The mounts a {@code {…_mount_path}} template parameter stands for. */
    public Set<String> mounts(String parameter) {
        return switch (parameter) {
            case "approle_mount_path" -> Set.of(options.approleMount());
            case "ssh_mount_path" -> Set.of(options.sshMount());
            case "database_mount_path" -> Set.of(options.databaseMount());
            case "kv_v2_mount_path" -> kv.mountNames();
            default -> Set.of();
        };
    }

    /** Stops listening and every timer; the database roles of live leases are left as they are, as a stopped Vault leaves them. */
    @Override
    public void close() {
        timers.close();
        socket.close();
        Await.result(worker.close(), "closing the Vault test server's workers");
        if (ownVertx) {
            Await.result(vertx.close(), "closing the Vault test server's Vert.x");
        }
    }

    private void watchExpiry(TokenStore.Token token) {
        Instant expire = token.expireTime();
        if (expire != null) {
            timers.at(expire, () -> {
                if (tokens.expireIfDue(token, Instant.now()) && token.expireTime() != null && !token.expireTime().equals(expire)) {
                    watchExpiry(token);
                }
            });
        }
    }
}
