package dev.portcullis.support;

import dev.portcullis.Broker;
import dev.portcullis.access.AccessEvents;
import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.RequestSpec;
import dev.portcullis.access.RequestView;
import dev.portcullis.access.RequestWorkflow;
import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Decision;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Role;
import dev.portcullis.domain.Target;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.policy.Policy;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.store.Database;
import dev.portcullis.store.Principals;
import dev.portcullis.store.Ledger;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * The whole broker (see {@link BrokerHarness}: embedded PostgreSQL, API, SSH gateway, window timers) with a
 * policy of its own for the gateway tests, plus blocking helpers to set up principals, targets and grants
 * through the broker's own workflow.
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

    public final BrokerHarness harness;
    public final Vertx vertx;
    public final Database database;
    public final Transactions transactions;
    public final GrantVerifier verifier;
    public final WindowScheduler scheduler;
    public final RequestWorkflow workflow;
    public final Directory directory;
    public final Policy policy;
    public final Principal admin;
    public final Principal approver;
    private final AtomicInteger tickets = new AtomicInteger();

    private StandInBroker(BrokerHarness harness) {
        this.harness = harness;
        Broker broker = harness.broker();
        this.vertx = harness.vertx();
        this.database = broker.database();
        this.transactions = broker.transactions();
        this.verifier = broker.verifier();
        this.scheduler = broker.scheduler();
        this.workflow = broker.workflow();
        this.directory = broker.directory();
        this.policy = broker.policy();
        this.admin = await(Principals.byName(database.pool(), "admin")).orElseThrow();
        this.approver = await(directory.register(admin, new Directory.PrincipalSpec("approver", PrincipalKind.HUMAN,
                Set.of(Role.APPROVER), Set.of("customer-admins"), List.of()))).principal();
    }

    public static StandInBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** As {@link #start(Path)}, with further configuration as PORTCULLIS_* environment variables. */
    public static StandInBroker start(Path dataDir, Map<String, String> env) {
        try {
            Files.createDirectories(dataDir);
            Path policyFile = dataDir.resolveSibling("gateway-test-policy.yaml");
            Files.writeString(policyFile, POLICY);
            Map<String, String> all = new java.util.HashMap<>(Map.of("PORTCULLIS_POLICIES", policyFile.toString(),
                    "PORTCULLIS_LEDGER_JSON_LINES", "off"));
            all.putAll(env);
            return new StandInBroker(BrokerHarness.start(dataDir, all));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public SshGateway gateway() {
        return harness.broker().sshGateway();
    }

    public Principal vendor(String name, String... sshKeys) {
        return await(directory.register(admin, new Directory.PrincipalSpec(name, PrincipalKind.HUMAN, Set.of(Role.VENDOR),
                Set.of(), List.of(sshKeys)))).principal();
    }

    /** A vendor and its first API token (what it presents to the HTTP gateway). */
    public Directory.Registered vendorWithToken(String name) {
        return await(directory.register(admin, new Directory.PrincipalSpec(name, PrincipalKind.HUMAN, Set.of(Role.VENDOR),
                Set.of(), List.of())));
    }

    /** An HTTP target at {@code baseUrl}; {@code credential} is its credential block (e.g. {@code {"local": {...}}}). */
    public Target httpTarget(String name, String environment, String baseUrl, Map<String, Object> credential) {
        return await(directory.register(admin, new Directory.TargetSpec(name, Protocol.HTTP, environment, Set.of(),
                Map.of("baseUrl", baseUrl), credential)));
    }

    /** An SSH target whose host key is pinned; {@code environment} picks the policy rule (test or quiet). */
    public Target sshTarget(String name, String environment, String host, int port, String hostKeyLine) {
        return sshTarget(name, environment, host, port, hostKeyLine, Map.of());
    }

    /** As above, with a {@code credential} block telling the credential broker where this target's credentials come from. */
    public Target sshTarget(String name, String environment, String host, int port, String hostKeyLine, Map<String, Object> credential) {
        return await(directory.register(admin, new Directory.TargetSpec(name, Protocol.SSH, environment, Set.of(),
                Map.of("host", host, "port", port, "hostKey", hostKeyLine), credential)));
    }

    /** A target whose host is proven by a certificate from the host CA {@code hostCaLine}, not a pinned key. */
    public Target sshTargetWithHostCa(String name, String environment, String host, int port, String hostCaLine) {
        return await(directory.register(admin, new Directory.TargetSpec(name, Protocol.SSH, environment, Set.of(),
                Map.of("host", host, "port", port, "hostCa", hostCaLine), Map.of())));
    }

    /** Files a request for {@code vendor} on {@code target} and approves it; answers the grant. */
    public Grant grant(Principal vendor, String target, Map<String, Object> sshScope, Instant notBefore, Instant notAfter,
                       int maxSessions) {
        return grantScope(vendor, target, Map.of("ssh", sshScope), notBefore, notAfter, maxSessions);
    }

    /** As {@link #grant}, with the whole scope given ({@code {"ssh": …}} or {@code {"http": …}}). */
    public Grant grantScope(Principal vendor, String target, Map<String, Object> scope, Instant notBefore, Instant notAfter,
                            int maxSessions) {
        RequestSpec spec = new RequestSpec("CHG-" + tickets.incrementAndGet(), vendor.name(), target, scope,
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
        await(database.pool().preparedQuery("SELECT id, grant_id, request_digest, credential, state, end_reason, started_at, ended_at FROM sessions "
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
        harness.close();
    }
}
