package dev.portcullis;

import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.RequestWorkflow;
import dev.portcullis.api.ApiServer;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.HttpCredentialSource;
import dev.portcullis.credentials.HttpCredentialSources;
import dev.portcullis.credentials.local.LocalHttpCredentialSource;
import dev.portcullis.credentials.local.LocalSecrets;
import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.gateway.http.HttpGateway;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.gateway.ssh.SshGatewayOptions;
import dev.portcullis.integrity.Digests;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.integrity.SigningKey;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Wires the broker's components together from a configuration, and takes them down again. */
public final class Broker {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    public static final String BOOTSTRAP_TOKEN_FILE = "bootstrap-admin.token";
    /** Event bus address on which every committed ledger entry is published (JSON). */
    public static final String LEDGER_ADDRESS = "portcullis.ledger";
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

    private Broker(Vertx vertx, PortcullisConfig config, Database database, PgSubscriber subscriber, WindowScheduler scheduler,
                   ApiServer api, GrantVerifier verifier, RequestWorkflow workflow, Transactions transactions, LedgerJsonLines jsonLines,
                   SigningKey key, long checkpointTimer, Policy policy, Directory directory,
                   LocalSshCertificateAuthority certificateAuthority, SshGateway sshGateway, HttpGateway httpGateway,
                   LocalSecrets localSecrets) {
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
    }

    /** Signs the ledger head if it moved since the last checkpoint; a failure only delays the next one. */
    private static Future<Void> checkpoint(Transactions transactions, SigningKey key) {
        return transactions.run(tx -> LedgerCheckpoints.write(tx, key))
                .onFailure(failure -> LOG.warn("ledger checkpoint failed: {}", failure.getMessage()))
                .<Void>mapEmpty()
                .recover(failure -> Future.succeededFuture());
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

    public static Future<Broker> start(Vertx vertx, PortcullisConfig config) {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(config.dataDir());
            Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
            return new Loaded(SigningKeyFile.loadOrCreate(config.dataDir()), loadPolicy(config),
                    LocalSshCertificateAuthority.open(config.dataDir().resolve("ca")), LocalSecrets.loadOrCreateKey(config.dataDir()));
        }).compose(loaded -> Database.open(vertx, config).compose(db -> wire(vertx, config, db, loaded)
                .recover(failure -> db.closeAsync(vertx).transform(closed -> Future.failedFuture(failure)))));
    }

    private static Future<Broker> wire(Vertx vertx, PortcullisConfig config, Database db, Loaded loaded) {
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
        LocalSecrets localSecrets = LocalSecrets.open(transactions, loaded.secretsKey());
        // The HTTP gateway's credential sources, by the key of a target's credential block.
        HttpCredentialSource credentials = new HttpCredentialSources(Map.of(
                LocalHttpCredentialSource.BLOCK, new LocalHttpCredentialSource(localSecrets)));

        // Every node drops its cached grant checks when any node (or anyone in SQL) changes a grant.
        PgSubscriber subscriber = PgSubscriber.subscriber(vertx, db.connectOptions())
                .reconnectPolicy(retries -> 1000L);
        // (Re)subscribing means notifications may have been missed while disconnected: drop everything.
        subscriber.channel("portcullis_grant_changed").handler(payload -> {
                    verifier.onGrantChanged(payload);
                    vertx.eventBus().publish(GRANT_CHANGED_ADDRESS, payload);
                })
                .subscribeHandler(v -> verifier.invalidateAll());

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
                .compose(v -> startSshGateway(vertx, config, transactions, verifier, ca, policy, scheduler))
                .compose(ssh -> startHttpGateway(vertx, config, transactions, verifier, credentials, scheduler)
                        .recover(failure -> ssh == null ? Future.failedFuture(failure)
                                : ssh.close().transform(closed -> Future.failedFuture(failure)))
                        .map(http -> new Gateways(ssh, http)))
                .compose(gateways -> ApiServer.start(vertx, config.api().host(), config.api().port(), config.api().maxBodyBytes(),
                        new ApiServer.Dependencies(transactions, directory, workflow, verifier, () -> policy, Signatures.of(key),
                                gateways.ssh(), ca, localSecrets, gateways.http()))
                        .recover(failure -> gateways.close().transform(closed -> Future.failedFuture(failure)))
                        .map(api -> {
                            long checkpoints = vertx.setPeriodic(config.ledger().checkpointSeconds() * 1000L,
                                    t -> checkpoint(transactions, key));
                            LOG.info("Portcullis API listening on http://{}:{}/api/v1 (policy {}, signing key {})",
                                    config.api().host(), api.port(), policy.version().substring(0, 12), key.keyId());
                            return new Broker(vertx, config, db, subscriber, scheduler, api, verifier, workflow, transactions, jsonLines, key,
                                    checkpoints, policy, directory, ca, gateways.ssh(), gateways.http(), localSecrets);
                        }))
                .onFailure(failure -> {
                    scheduler.stop();
                    subscriber.close();
                });
    }

    /** The SSH front door, when enabled; it cuts a closing grant's live sessions on this node. */
    private static Future<SshGateway> startSshGateway(Vertx vertx, PortcullisConfig config, Transactions transactions,
                                                      GrantVerifier verifier, LocalSshCertificateAuthority ca, Policy policy,
                                                      WindowScheduler scheduler) {
        if (!config.ssh().enabled()) {
            return Future.succeededFuture(null);
        }
        SshGatewayOptions options = SshGatewayOptions.defaults(config.dataDir(), config.node())
                .withListener(config.ssh().host(), config.ssh().port());
        return SshGateway.start(vertx, options, new SshGateway.Dependencies(transactions, verifier, ca, () -> policy))
                .onSuccess(gateway -> {
                    scheduler.addClosingHook(gateway.closingHook());
                    LOG.info("SSH gateway listening on {}:{} (host key {})", config.ssh().host(), gateway.port(),
                            gateway.hostKeyLine());
                });
    }

    /** The HTTP front door, when enabled; it cuts a closing grant's exchanges and WebSockets on this node. */
    private static Future<HttpGateway> startHttpGateway(Vertx vertx, PortcullisConfig config, Transactions transactions,
                                                        GrantVerifier verifier, HttpCredentialSource credentials,
                                                        WindowScheduler scheduler) {
        if (!config.http().enabled()) {
            return Future.succeededFuture(null);
        }
        return HttpGateway.start(vertx, config.dataDir(), config.node(), config.http(),
                        new HttpGateway.Dependencies(transactions, verifier, credentials))
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
        vertx.cancelTimer(checkpointTimer);
        Future<Void> gateways = new Gateways(sshGateway, httpGateway).close();
        return gateways.eventually(api::close)
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
