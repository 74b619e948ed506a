package dev.portcullis.support;

import dev.portcullis.access.AccessEvents;
import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.RequestSpec;
import dev.portcullis.access.RequestView;
import dev.portcullis.access.RequestWorkflow;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Decision;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Role;
import dev.portcullis.domain.Target;
import dev.portcullis.integrity.Digests;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.integrity.SigningKey;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.PolicyParser;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.store.Database;
import dev.portcullis.store.Ledger;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the whole-broker test harness that is still being written: the broker core (embedded
 * PostgreSQL, ledger, request workflow, grant verifier, window scheduler) wired in-process, with blocking
 * helpers for tests to set up principals, targets and grants. Replace with the broker harness once it lands.
 */
public final class StandInBroker implements AutoCloseable {

    /** Two rules: environment {@code test} records keystrokes, {@code quiet} does not; one approval each. */
    public static final String POLICY = """
            signoffGroup: customer-signoff
            rules:
              - name: test-recorded
                match: {environments: [test]}
                approvals: 1
                maxDuration: PT4H
                recordInput: true
              - name: test-quiet
                match: {environments: [quiet]}
                approvals: 1
                maxDuration: PT4H
              - name: everything-else
                deny: "not in tests"
            """;

    private static final Duration WAIT = Duration.ofSeconds(30);

    public final Vertx vertx;
    public final Database database;
    public final Transactions transactions;
    public final SigningKey key;
    public final GrantVerifier verifier;
    public final WindowScheduler scheduler;
    public final RequestWorkflow workflow;
    public final Directory directory;
    public final Policy policy;
    public final Principal admin;
    public final Principal approver;
    private final AtomicInteger tickets = new AtomicInteger();

    private StandInBroker(Vertx vertx, Database database, Policy policy) {
        this.vertx = vertx;
        this.database = database;
        this.policy = policy;
        Clock clock = Clock.systemUTC();
        this.transactions = new Transactions(database.pool(), clock, entry -> {
        });
        this.key = SigningKey.generate();
        this.verifier = new GrantVerifier(database.pool(), transactions, Signatures.of(key), clock);
        this.scheduler = new WindowScheduler(vertx, transactions, verifier);
        this.workflow = new RequestWorkflow(transactions, key, () -> policy, scheduler);
        this.directory = new Directory(transactions);
        await(scheduler.start());
        this.admin = await(directory.bootstrap()).principal();
        this.approver = await(directory.register(admin, new Directory.PrincipalSpec("approver", PrincipalKind.HUMAN,
                Set.of(Role.APPROVER), Set.of("customer-admins"), List.of()))).principal();
    }

    public static StandInBroker start(Path dataDir) {
        Vertx vertx = Vertx.vertx();
        PortcullisConfig config = ConfigLoader.load(null, Map.of("PORTCULLIS_LEDGER_JSON_LINES", "off")).withDataDir(dataDir);
        Database database = await(Database.open(vertx, config));
        return new StandInBroker(vertx, database, PolicyParser.parse(POLICY, Digests::ofCanonical));
    }

    public Principal vendor(String name, String... sshKeys) {
        return await(directory.register(admin, new Directory.PrincipalSpec(name, PrincipalKind.HUMAN, Set.of(Role.VENDOR),
                Set.of(), List.of(sshKeys)))).principal();
    }

    /** An SSH target whose host key is pinned; {@code environment} picks the policy rule (test or quiet). */
    public Target sshTarget(String name, String environment, String host, int port, String hostKeyLine) {
        return await(directory.register(admin, new Directory.TargetSpec(name, Protocol.SSH, environment, Set.of(),
                Map.of("host", host, "port", port, "hostKey", hostKeyLine), Map.of())));
    }

    /** Files a request for {@code vendor} on {@code target} and approves it; answers the grant. */
    public Grant grant(Principal vendor, String target, Map<String, Object> sshScope, Instant notBefore, Instant notAfter,
                       int maxSessions) {
        RequestSpec spec = new RequestSpec("CHG-" + tickets.incrementAndGet(), vendor.name(), target, Map.of("ssh", sshScope),
                "routine", notBefore, notAfter, maxSessions, "tests pass", "none needed", false);
        RequestView filed = await(workflow.file(vendor, spec));
        AccessRequest request = filed.request();
        RequestView decided = await(workflow.decide(approver, request.id(), Decision.APPROVE, request.digest(), "ok"));
        if (decided.grant() == null) {
            throw new IllegalStateException("no grant issued for " + request.id());
        }
        return decided.grant();
    }

    public Grant grant(Principal vendor, String target, Map<String, Object> sshScope, Duration length) {
        Instant now = Instant.now();
        return grant(vendor, target, sshScope, now.minusSeconds(1), now.plus(length), 10);
    }

    public Grant revoke(UUID grantId) {
        return await(workflow.revoke(approver, grantId, "test revokes"));
    }

    public List<LedgerChain.Entry> ledger(String subject) {
        return await(Ledger.forSubject(database.pool(), subject));
    }

    /** The session row: state, end_reason, started_at, ended_at. */
    public Optional<Row> session(UUID id) {
        return await(database.pool().preparedQuery("SELECT id, grant_id, state, end_reason, started_at, ended_at FROM sessions WHERE id = $1")
                .execute(Tuple.of(id))).stream().findFirst();
    }

    public List<Row> sessionsOf(UUID grantId) {
        List<Row> rows = new java.util.ArrayList<>();
        await(database.pool().preparedQuery("SELECT id, grant_id, state, end_reason, started_at, ended_at FROM sessions "
                + "WHERE grant_id = $1 ORDER BY started_at").execute(Tuple.of(grantId))).forEach(rows::add);
        return rows;
    }

    public AccessEvents events() {
        return scheduler;
    }

    public static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        scheduler.stop();
        database.close();
        await(vertx.close());
    }
}
