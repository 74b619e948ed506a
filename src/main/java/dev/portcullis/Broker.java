package dev.portcullis;

import dev.portcullis.access.DatabaseAccess;
import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.RequestWorkflow;
import dev.portcullis.api.ApiServer;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.HttpCredentialSource;
import dev.portcullis.credentials.HttpCredentialSources;
import dev.portcullis.credentials.local.LocalHttpCredentialSource;
import dev.portcullis.credentials.local.LocalSecrets;
import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.gateway.http.HttpGateway;
import dev.portcullis.revocation.DatabaseCredentials;
import dev.portcullis.revocation.LeaseReconciler;
import dev.portcullis.revocation.LeaseRevocation;
import dev.portcullis.revocation.RevocationMeter;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.gateway.ssh.SshGatewayOptions;
import dev.portcullis.integrity.Digests;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.integrity.SigningKey;
import dev.portcullis.notifications.Webhooks;
import dev.portcullis.observability.EventMeters;
import dev.portcullis.observability.Meters;
import dev.portcullis.observability.OpsServer;
import dev.portcullis.observability.Readiness;
import dev.portcullis.observability.StateGauges;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.PolicyParser;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.store.Database;
import dev.portcullis.store.LedgerCheckpoints;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.LedgerJsonLines;
import dev.portcullis.store.SigningKeyFile;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Wires the broker's components together from a configuration, and takes them down again. */
public final class Broker {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    public static final String BOOTSTRAP_TOKEN_FILE = "bootstrap-admin.token";
    /** Event bus address on which every committed ledger entry is published (JSON). */
    public static final String LEDGER_ADDRESS = ApiServer.LEDGER_ADDRESS;
    /** Event bus address on which this node announces each grant change it has applied to its verifier cache. */
    public static final String GRANT_CHANGED_ADDRESS = "portcullis.grant.changed";

    private final Vertx vertx;
    private final PortcullisConfig config;
    private final Database database;
    private final PgSubscriber subscriber;
    private final WindowScheduler scheduler;
    private final ApiServer api;
    private final GrantVerifier verifier;
    private final RequestWorkflow workflow;
    private final Transactions transactions;
    private final LedgerJsonLines jsonLines;
    private final SigningKey key;
    private final long checkpointTimer;
    private final Policy policy;
    private final Directory directory;
    private final LocalSshCertificateAuthority certificateAuthority;
    private final SshGateway sshGateway;
    private final HttpGateway httpGateway;
    private final LocalSecrets localSecrets;
    private final Credentials credentials;
    private final Observability observability;

    /**
     * Meters, the jobs that feed them, readiness, the ops listener and the webhooks: subscribed before the first ledger
     * entry of this start, so every entry is counted and sent; stopped once the listeners are closed.
     */
    private record Observability(Meters meters, StateGauges gauges, EventMeters events, Readiness readiness, OpsServer ops,
                                 Webhooks webhooks) {
        Future<Void> stop() {
            gauges.stop();
            events.stop();
            return webhooks.stop().eventually(() -> ops == null ? Future.succeededFuture() : ops.close());
        }
    }

    private Broker(Vertx vertx, PortcullisConfig config, Database database, PgSubscriber subscriber, WindowScheduler scheduler,
                   ApiServer api, GrantVerifier verifier, RequestWorkflow workflow, Transactions transactions, LedgerJsonLines jsonLines,
                   SigningKey key, long checkpointTimer, Policy policy, Directory directory,
                   LocalSshCertificateAuthority certificateAuthority, SshGateway sshGateway, HttpGateway httpGateway,
                   LocalSecrets localSecrets, Credentials credentials, Observability observability) {
        this.vertx = vertx;
        this.config = config;
        this.database = database;
        this.subscriber = subscriber;
        this.scheduler = scheduler;
        this.api = api;
        this.verifier = verifier;
        this.workflow = workflow;
        this.transactions = transactions;
        this.jsonLines = jsonLines;
        this.key = key;
        this.checkpointTimer = checkpointTimer;
        this.policy = policy;
        this.directory = directory;
        this.certificateAuthority = certificateAuthority;
        this.sshGateway = sshGateway;
        this.httpGateway = httpGateway;
        this.localSecrets = localSecrets;
        this.credentials = credentials;
        this.observability = observability;
    }

    /**
     * Where session credentials come from, and the lease revocation job: registered as a closing hook (a grant is
     * CLOSED only when its leases are confirmed revoked) and run at start-up and periodically as the reconciler.
     */
    public record Credentials(CredentialBroker broker, DatabaseCredentials database, LeaseReconciler reconciler) {

        static Credentials wire(Vertx vertx, PortcullisConfig config, Transactions transactions, LocalSshCertificateAuthority ca,
                                WindowScheduler scheduler, Clock clock, Meters meters) {
            CredentialBroker broker = CredentialBroker.fromConfig(vertx, config.credentials(), ca, meters::vaultRequest, clock);
            RevocationMeter revocationMeter = new RevocationMeter() {
                @Override
                public void pending(int leases) {
                    meters.set(Meters.State.REVOCATIONS_PENDING, leases);
                }

                @Override
                public void confirmed(Duration lag) {
                    meters.revocationConfirmed(lag);
                }
            };
            LeaseRevocation revocation = new LeaseRevocation(vertx, transactions, broker, revocationMeter, config.node());
            LeaseReconciler reconciler = new LeaseReconciler(vertx, revocation,
                    Duration.ofSeconds(config.credentials().vault().reconcileSeconds()));
            scheduler.addClosingHook(reconciler);
            LOG.info("credentials from the {} broker", broker.issuer());
            return new Credentials(broker, new DatabaseCredentials(transactions, broker), reconciler);
        }

        Future<Void> stop() {
            reconciler.stop();
            return broker.close();
        }
    }

    /** Signs the ledger head if it moved since the last checkpoint; a failure only delays the next one. */
    private static Future<Void> checkpoint(Transactions transactions, SigningKey key) {
        return transactions.run(tx -> LedgerCheckpoints.write(tx, key))
                .onFailure(failure -> LOG.warn("ledger checkpoint failed: {}", failure.getMessage()))
                .<Void>mapEmpty()
                .recover(failure -> Future.succeededFuture());
    }

    /** The listeners started last: the API and the ops listener (null when disabled). */
    private record Listening(ApiServer api, OpsServer ops) {
    }

    /** What start-up reads from the data directory and the configuration before the database is opened. */
    private record Loaded(SigningKey key, Policy policy, LocalSshCertificateAuthority ca, javax.crypto.SecretKey secretsKey) {
    }

    /** The gateways that started (either may be null when disabled), so that a later failure can close them. */
    private record Gateways(SshGateway ssh, HttpGateway http) {
        Future<Void> close() {
            Future<Void> s = ssh == null ? Future.succeededFuture() : ssh.close();
            return s.eventually(() -> http == null ? Future.succeededFuture() : http.close());
        }
    }

    /** Starts with meters of its own; Vert.x's own metrics are only there when {@code vertx} came from {@link Meters#vertx()}. */
    public static Future<Broker> start(Vertx vertx, PortcullisConfig config) {
        return start(vertx, config, Meters.create());
    }

    public static Future<Broker> start(Vertx vertx, PortcullisConfig config, Meters meters) {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(config.dataDir());
            Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
            return new Loaded(SigningKeyFile.loadOrCreate(config.dataDir()), loadPolicy(config),
                    LocalSshCertificateAuthority.open(config.dataDir().resolve("ca")), LocalSecrets.loadOrCreateKey(config.dataDir()));
        }).compose(loaded -> Database.open(vertx, config).compose(db -> wire(vertx, config, db, loaded, meters)
                .recover(failure -> db.closeAsync(vertx).transform(closed -> Future.failedFuture(failure)))));
    }

    private static Future<Broker> wire(Vertx vertx, PortcullisConfig config, Database db, Loaded loaded, Meters meters) {
        SigningKey key = loaded.key();
        Policy policy = loaded.policy();
        LocalSshCertificateAuthority ca = loaded.ca();
        LedgerJsonLines jsonLines = LedgerJsonLines.open(config.ledger().jsonLines());
        Consumer<LedgerChain.Entry> sink = entry -> {
            if (jsonLines != null) {
                jsonLines.accept(entry);
            }
            vertx.eventBus().publish(LEDGER_ADDRESS, LedgerJsonLines.json(entry));
        };
        Clock clock = Clock.systemUTC();
        Transactions transactions = new Transactions(db.pool(), clock, sink);
        GrantVerifier verifier = new GrantVerifier(db.pool(), transactions, Signatures.of(key), clock);
        WindowScheduler scheduler = new WindowScheduler(vertx, transactions, verifier);
        RequestWorkflow workflow = new RequestWorkflow(transactions, key, () -> policy, scheduler);
        Directory directory = new Directory(transactions);
        Credentials credentials = Credentials.wire(vertx, config, transactions, ca, scheduler, clock, meters);
        LocalSecrets localSecrets = LocalSecrets.open(transactions, loaded.secretsKey());
        // The HTTP gateway's credential sources, by the key of a target's credential block: a local secret, or a
        // KV v2 secret from the credential broker (Vault; the local broker refuses such targets, failing closed).
        HttpCredentialSource httpCredentials = new HttpCredentialSources(Map.of(
                LocalHttpCredentialSource.BLOCK, new LocalHttpCredentialSource(localSecrets),
                "kv", credentials.broker()));

        // Every node drops its cached grant checks when any node (or anyone in SQL) changes a grant.
        PgSubscriber subscriber = PgSubscriber.subscriber(vertx, db.connectOptions())
                .reconnectPolicy(retries -> 1000L);
        // (Re)subscribing means notifications may have been missed while disconnected: drop everything.
        subscriber.channel("portcullis_grant_changed").handler(payload -> {
                    verifier.onGrantChanged(payload);
                    vertx.eventBus().publish(GRANT_CHANGED_ADDRESS, payload);
                })
                .subscribeHandler(v -> verifier.invalidateAll());

        StateGauges gauges = new StateGauges(vertx, db.pool(), meters)
                .count(Meters.State.REVOCATIONS_PENDING, "SELECT count(*) FROM leases l JOIN grants g ON g.id = l.grant_id "
                        + "WHERE l.state <> 'REVOKED' AND g.state IN ('CLOSING', 'CLOSED', 'CLOSE_FAILED')")
                .count(Meters.State.REVOCATIONS_FAILED, "SELECT count(*) FROM leases WHERE state = 'FAILED'");
        EventMeters events = new EventMeters(meters, db.pool(), gauges);
        events.start(vertx, LEDGER_ADDRESS, SshGateway.SESSIONS_ADDRESS);
        Webhooks webhooks = new Webhooks(vertx, config.webhooks(), meters, Webhooks.Tuning.defaults());
        webhooks.start(LEDGER_ADDRESS);
        Readiness readiness = new Readiness(vertx).add("database", () -> db.pool().query("SELECT 1").execute());
        if (config.credentials().usesVault()) {
            readiness.add("vault", () -> credentials.broker().ready());
        }

        Map<String, Object> started = new LinkedHashMap<>();
        started.put("node", config.node());
        started.put("policyVersion", policy.version());
        started.put("policyRules", policy.rules().stream().map(r -> r.name()).toList());
        started.put("keyId", key.keyId());
        started.put("publicKey", java.util.Base64.getEncoder().encodeToString(key.publicKey().getEncoded()));
        return subscriber.connect()
                .compose(v -> transactions.record(new LedgerEvent("broker.started", "broker", "node:" + config.node(), started)))
                .compose(v -> checkpoint(transactions, key))
                .compose(v -> directory.bootstrap())
                .compose(bootstrap -> bootstrap == null ? Future.succeededFuture() : writeBootstrapToken(vertx, config, bootstrap.token()))
                .compose(v -> scheduler.start())
                .onSuccess(v -> credentials.reconciler().start())
                .compose(v -> gauges.start())
                .compose(v -> startSshGateway(vertx, config, transactions, verifier, credentials.broker(), policy, scheduler, meters))
                .compose(ssh -> startHttpGateway(vertx, config, transactions, verifier, httpCredentials, scheduler, meters)
                        .recover(failure -> ssh == null ? Future.failedFuture(failure)
                                : ssh.close().transform(closed -> Future.failedFuture(failure)))
                        .map(http -> new Gateways(ssh, http)))
                .compose(gateways -> ApiServer.start(vertx, config.api().host(), config.api().port(), config.api().maxBodyBytes(),
                        new ApiServer.Dependencies(transactions, directory, workflow, verifier, () -> policy, Signatures.of(key),
                                gateways.ssh(), credentials.broker(), meters, localSecrets, gateways.http(),
                                new DatabaseAccess(transactions.pool(), verifier, credentials.database())))
                        .compose(api -> startOps(vertx, config, meters, readiness).map(ops -> new Listening(api, ops))
                                .recover(failure -> api.close().transform(closed -> Future.failedFuture(failure))))
                        .recover(failure -> gateways.close().transform(closed -> Future.failedFuture(failure)))
                        .map(listening -> {
                            ApiServer api = listening.api();
                            Observability observability = new Observability(meters, gauges, events, readiness,
                                    listening.ops(), webhooks);
                            long checkpoints = vertx.setPeriodic(config.ledger().checkpointSeconds() * 1000L,
                                    t -> checkpoint(transactions, key));
                            LOG.info("Portcullis API listening on http://{}:{}/api/v1 (policy {}, signing key {}, {} transport)",
                                    config.api().host(), api.port(), policy.version().substring(0, 12), key.keyId(),
                                    vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
                            if (!vertx.isNativeTransportEnabled() && vertx.unavailableNativeTransportCause() != null) {
                                LOG.info("no native transport ({}): the HTTP gateway runs on NIO, slower",
                                        vertx.unavailableNativeTransportCause().getMessage());
                            }
                            return new Broker(vertx, config, db, subscriber, scheduler, api, verifier, workflow, transactions, jsonLines, key,
                                    checkpoints, policy, directory, ca, gateways.ssh(), gateways.http(), localSecrets, credentials,
                                    observability);
                        }))
                .onFailure(failure -> {
                    gauges.stop();
                    events.stop();
                    webhooks.stop();
                    scheduler.stop();
                    credentials.stop();
                    subscriber.close();
                });
    }

    /** The ops listener ({@code /metrics}, {@code /health/*}), when enabled. */
    private static Future<OpsServer> startOps(Vertx vertx, PortcullisConfig config, Meters meters, Readiness readiness) {
        if (!config.ops().enabled()) {
            return Future.succeededFuture(null);
        }
        return OpsServer.start(vertx, config.ops().host(), config.ops().port(), meters, readiness)
                .onSuccess(ops -> LOG.info("metrics and health on http://{}:{}/metrics", config.ops().host(), ops.port()));
    }

    /** The SSH front door, when enabled; it cuts a closing grant's live sessions on this node. */
    private static Future<SshGateway> startSshGateway(Vertx vertx, PortcullisConfig config, Transactions transactions,
                                                      GrantVerifier verifier, CredentialBroker credentials, Policy policy,
                                                      WindowScheduler scheduler, Meters meters) {
        if (!config.ssh().enabled()) {
            return Future.succeededFuture(null);
        }
        SshGatewayOptions options = SshGatewayOptions.defaults(config.dataDir(), config.node())
                .withListener(config.ssh().host(), config.ssh().port()).withVendorCiphers(config.ssh().ciphers());
        return SshGateway.start(vertx, options, new SshGateway.Dependencies(transactions, verifier, credentials, () -> policy, meters))
                .onSuccess(gateway -> {
                    scheduler.addClosingHook(gateway.closingHook());
                    LOG.info("SSH gateway listening on {}:{} (host key {})", config.ssh().host(), gateway.port(),
                            gateway.hostKeyLine());
                });
    }

    /** The HTTP front door, when enabled; it cuts a closing grant's exchanges and WebSockets on this node. */
    private static Future<HttpGateway> startHttpGateway(Vertx vertx, PortcullisConfig config, Transactions transactions,
                                                        GrantVerifier verifier, HttpCredentialSource credentials,
                                                        WindowScheduler scheduler, Meters meters) {
        if (!config.http().enabled()) {
            return Future.succeededFuture(null);
        }
        return HttpGateway.start(vertx, config.dataDir(), config.node(), config.http(),
                        new HttpGateway.Dependencies(transactions, verifier, credentials, meters))
                .onSuccess(gateway -> scheduler.addClosingHook(gateway.closingHook()));
    }

    private static Future<Void> writeBootstrapToken(Vertx vertx, PortcullisConfig config, String token) {
        Path file = config.dataDir().resolve(BOOTSTRAP_TOKEN_FILE);
        return vertx.executeBlocking(() -> {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token + "\n");
            // The path, never the token: logs are shipped and kept far longer than a bootstrap secret should live.
            LOG.warn("first start: bootstrap admin token written to {} (readable by this user only). "
                    + "Use it to register real admins, then delete the file.", file);
            return null;
        });
    }

    static Policy loadPolicy(PortcullisConfig config) {
        String yaml;
        try {
            if (config.policies() == null || config.policies().isBlank()) {
                try (InputStream in = Broker.class.getResourceAsStream("/policies.yaml")) {
                    yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } else {
                yaml = Files.readString(Path.of(config.policies()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the policy " + config.policies(), e);
        }
        return PolicyParser.parse(yaml, Digests::ofCanonical);
    }

    /** Signs the ledger head now (the periodic job does this every ledger.checkpointSeconds). */
    public Future<Void> checkpoint() {
        return checkpoint(transactions, key);
    }

    /** The SSH gateway, or null when {@code ssh.enabled} is false. */
    public SshGateway sshGateway() {
        return sshGateway;
    }

    public Credentials credentials() {
        return credentials;
    }

    /** The HTTP gateway, or null when {@code http.enabled} is false. */
    public HttpGateway httpGateway() {
        return httpGateway;
    }

    public LocalSecrets localSecrets() {
        return localSecrets;
    }

    public LocalSshCertificateAuthority certificateAuthority() {
        return certificateAuthority;
    }

    public Policy policy() {
        return policy;
    }

    public Directory directory() {
        return directory;
    }

    public Meters meters() {
        return observability.meters();
    }

    /** The readiness checks behind {@code /health/ready}; a credential broker adds its own. */
    public Readiness readiness() {
        return observability.readiness();
    }

    /** Components whose state lives in their own tables (credential leases) add their counts here. */
    public StateGauges stateGauges() {
        return observability.gauges();
    }

    /** The ops listener's port, or -1 when {@code ops.enabled} is false. */
    public int opsPort() {
        return observability.ops() == null ? -1 : observability.ops().port();
    }

    public int apiPort() {
        return api.port();
    }

    public PortcullisConfig config() {
        return config;
    }

    public Vertx vertx() {
        return vertx;
    }

    public GrantVerifier verifier() {
        return verifier;
    }

    public RequestWorkflow workflow() {
        return workflow;
    }

    public Transactions transactions() {
        return transactions;
    }

    public WindowScheduler scheduler() {
        return scheduler;
    }

    public Database database() {
        return database;
    }

    /** Stops serving, disarms timers and closes the database (stopping the embedded PostgreSQL). */
    public Future<Void> stop() {
        scheduler.stop();
        credentials.reconciler().stop();
        vertx.cancelTimer(checkpointTimer);
        Future<Void> gateways = new Gateways(sshGateway, httpGateway).close();
        return gateways.eventually(api::close)
                .eventually(observability::stop)
                .eventually(credentials::stop)
                .eventually(() -> checkpoint(transactions, key))
                .eventually(() -> subscriber.close())
                .eventually(() -> database.closeAsync(vertx))
                .eventually(() -> {
                    if (jsonLines != null) {
                        jsonLines.close();
                    }
                    return Future.succeededFuture();
                });
    }
}
