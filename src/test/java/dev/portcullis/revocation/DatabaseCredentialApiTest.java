package dev.portcullis.revocation;

import dev.portcullis.Broker;
import dev.portcullis.access.Directory;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Role;
import dev.portcullis.support.Api;
import dev.portcullis.support.Fixtures;
import dev.portcullis.support.LogCapture;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.revocation.LeaseFixture.WAIT;
import static dev.portcullis.revocation.LeaseFixture.assertRevokedAndConfirmed;
import static dev.portcullis.revocation.LeaseFixture.last;
import static dev.portcullis.revocation.LeaseFixture.lease;
import static dev.portcullis.revocation.LeaseFixture.logsIn;
import static dev.portcullis.revocation.LeaseFixture.transition;
import static dev.portcullis.revocation.LeaseFixture.wholeLedger;
import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A vendor obtains the target's dynamic database credential through the API ({@code POST /grants/{id}/database-credential})
 * and logs in to a real, password-checking PostgreSQL with it; once the grant closes the login is refused and the lease
 * is confirmed gone. Every refusal — another identity, a scope without {@code database}, a closed grant, a target with
 * no database role, a sealed Vault — is answered with a reason code and ledgered; the password is nowhere but the answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseCredentialApiTest {

    private static final Map<String, Object> DATABASE_SCOPE = Map.of("principals", List.of("postgres"), "database", true);
    private static final Map<String, Object> SHELL_SCOPE = Map.of("principals", List.of("postgres"), "interactive", true);

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger names = new AtomicInteger();
    private final List<String> secrets = new CopyOnWriteArrayList<>();
    private Path dir;
    private VaultStandIn vault;
    private StandInBroker broker;
    private LogCapture logs;
    private Api api;

    /** A vendor registered by the admin, with the bearer token the API wants. */
    private record Vendor(dev.portcullis.domain.Principal principal, String token) {
    }

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        dir = Files.createTempDirectory("portcullis-db-api-");
        vault = VaultStandIn.start();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
        api = broker.harness.api();
        secrets.add(vault.appRole.secretId());
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() {
        try {
            String ledger = wholeLedger(core());
            String log = logs.text();
            assertThat(secrets).hasSizeGreaterThan(1); // at least one database password was handed out and checked for
            for (String secret : secrets) {
                assertThat(ledger).doesNotContain(secret);
                assertThat(log).doesNotContain(secret);
            }
        } finally {
            logs.close();
            broker.close();
            vault.close();
        }
    }

    @Test
    void theExecutorLogsInDuringTheWindowAndIsRefusedOnceTheGrantIsRevoked() throws Exception {
        Vendor vendor = vendor();
        Grant grant = grant(vendor, target(true), DATABASE_SCOPE, Duration.ofMinutes(30));

        Api.Answer answer = issue(grant, vendor.token());

        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
        DatabaseCredential credential = credential(answer);
        assertThat(answer.json().fieldNames()).containsExactlyInAnyOrder("username", "password", "leaseId", "expiresAt");
        assertThat(Instant.parse(answer.json().getString("expiresAt"))).isAfter(Instant.now());
        logsIn(vault, credential);
        assertThat(lease(core(), credential.leaseId()).getString("state")).isEqualTo("ACTIVE");
        assertThat(last(core(), "lease:" + credential.leaseId(), "lease.issued"))
                .containsEntry("grant", grant.id().toString()).containsEntry("username", credential.username());
        assertThat(LeaseFixture.ledger(core(), "lease:" + credential.leaseId()).get(0).actor()).isEqualTo(vendor.principal().name());

        var closed = transition(broker.harness, grant, "CLOSED");
        Api.Answer revoked = api.post("/grants/" + grant.id() + "/revoke", api.adminToken(), new JsonObject().put("reason", "done early"));
        assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
        closed.get(WAIT);

        assertRevokedAndConfirmed(core(), vault, credential); // includes: the login is now refused
        // The request's history (what the console shows) includes the lease and its confirmed revocation.
        Api.Answer history = api.get("/requests/" + grant.requestId() + "/history", api.adminToken());
        assertThat(history.status()).as(history.toString()).isEqualTo(200);
        assertThat(history.array().stream().map(e -> ((JsonObject) e).getString("type")).toList())
                .containsSubsequence("grant.revoked", "lease.revoking", "lease.revoked")
                .contains("lease.issued");
        Api.Answer again = issue(grant, vendor.token());
        assertThat(again.status()).as(again.toString()).isEqualTo(403);
        assertThat(again.errorCode()).isEqualTo("revoked");
        assertRefusalLedgered(grant, vendor, "revoked");
    }

    @Test
    void theCredentialStopsWorkingWhenTheWindowEnds() throws Exception {
        Vendor vendor = vendor();
        Instant now = Instant.now();
        Grant grant = grant(vendor, target(true), DATABASE_SCOPE, now.minusSeconds(1), now.plusSeconds(8));
        var closed = transition(broker.harness, grant, "CLOSED");

        Api.Answer answer = issue(grant, vendor.token());
        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
        DatabaseCredential credential = credential(answer);
        logsIn(vault, credential);

        closed.get(WAIT);
        assertRevokedAndConfirmed(core(), vault, credential);
        assertThat(LeaseFixture.ledger(core(), "lease:" + credential.leaseId())).extracting(e -> e.type())
                .containsSubsequence("lease.issued", "lease.revoking", "lease.revoked");
        Api.Answer after = issue(grant, vendor.token());
        assertThat(after.status()).as(after.toString()).isEqualTo(403);
        assertThat(after.errorCode()).isEqualTo("window_closed");
        assertRefusalLedgered(grant, vendor, "window_closed");
    }

    @Test
    void anotherIdentityIsRefusedAndNoCredentialIsIssued() {
        Vendor executor = vendor();
        Vendor other = vendor();
        Grant grant = grant(executor, target(true), DATABASE_SCOPE, Duration.ofMinutes(30));
        int live = vault.vault.leases().size();

        Api.Answer answer = issue(grant, other.token());

        assertThat(answer.status()).as(answer.toString()).isEqualTo(403);
        assertThat(answer.errorCode()).isEqualTo("wrong_executor");
        assertRefusalLedgered(grant, other, "wrong_executor");
        assertNoLease(grant);
        assertThat(vault.vault.leases()).hasSize(live);
    }

    @Test
    void aScopeWithoutDatabaseIsRefusedAsOutOfScope() {
        Vendor vendor = vendor();
        Grant grant = grant(vendor, target(true), SHELL_SCOPE, Duration.ofMinutes(30));
        int live = vault.vault.leases().size();

        Api.Answer answer = issue(grant, vendor.token());

        assertThat(answer.status()).as(answer.toString()).isEqualTo(403);
        assertThat(answer.errorCode()).isEqualTo("out_of_scope");
        assertThat(answer.json().getJsonObject("error").getString("message")).contains("database login as role readonly");
        assertRefusalLedgered(grant, vendor, "out_of_scope");
        assertNoLease(grant);
        assertThat(vault.vault.leases()).hasSize(live);
    }

    @Test
    void aTargetWithoutADatabaseRoleIsRefusedWithAClearCode() {
        Vendor vendor = vendor();
        Grant grant = grant(vendor, target(false), DATABASE_SCOPE, Duration.ofMinutes(30));

        Api.Answer answer = issue(grant, vendor.token());

        assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
        assertThat(answer.errorCode()).isEqualTo("no_database_credential");
        assertRefusalLedgered(grant, vendor, "no_database_credential");
        assertNoLease(grant);
    }

    @Test
    void aSealedVaultIsRefusedWithServiceUnavailableAndLedgered() {
        Vendor vendor = vendor();
        Grant grant = grant(vendor, target(true), DATABASE_SCOPE, Duration.ofMinutes(30));
        vault.vault.faults().seal(true);

        Api.Answer answer = issue(grant, vendor.token());

        assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
        assertThat(answer.errorCode()).isEqualTo("vault_sealed");
        assertRefusalLedgered(grant, vendor, "vault_sealed");
        assertNoLease(grant);
    }

    @Test
    void theWhatIfCheckAnswersForDatabaseLoginsWithoutIssuingAnything() {
        Vendor vendor = vendor();
        String withDatabase = target(true);
        String shellOnly = target(true);
        grant(vendor, withDatabase, DATABASE_SCOPE, Duration.ofMinutes(30));
        grant(vendor, shellOnly, SHELL_SCOPE, Duration.ofMinutes(30));
        int live = vault.vault.leases().size();

        Api.Answer allowed = api.post("/access-checks", api.adminToken(), check(vendor, withDatabase));
        Api.Answer refused = api.post("/access-checks", api.adminToken(), check(vendor, shellOnly));

        assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
        assertThat(allowed.json().getBoolean("allowed")).isTrue();
        assertThat(refused.json().getBoolean("allowed")).isFalse();
        assertThat(refused.json().getString("reason")).isEqualTo("out_of_scope");
        assertThat(vault.vault.leases()).hasSize(live);
    }

    private static JsonObject check(Vendor vendor, String target) {
        return new JsonObject().put("identity", vendor.principal().name()).put("target", target).put("newSession", false)
                .put("action", new JsonObject().put("kind", "database-login").put("role", VaultStandIn.DATABASE_ROLE));
    }

    @Test
    void anUnknownGrantIsNotFoundAndAMalformedOneIsABadRequest() {
        Vendor vendor = vendor();

        Api.Answer unknown = issue(java.util.UUID.randomUUID().toString(), vendor.token());
        Api.Answer malformed = issue("not-a-grant", vendor.token());
        Api.Answer withBody = api.post("/grants/" + java.util.UUID.randomUUID() + "/database-credential", vendor.token(),
                new JsonObject().put("role", "admin"));

        assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("not_found");
        assertThat(malformed.status()).as(malformed.toString()).isEqualTo(400);
        assertThat(withBody.status()).as(withBody.toString()).isEqualTo(400);
        assertThat(withBody.errorCode()).isEqualTo("invalid_request");
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private Api.Answer issue(Grant grant, String token) {
        return issue(grant.id().toString(), token);
    }

    /** Every credential handed out is remembered (checked against ledger and logs at the end) and must not be cacheable. */
    private Api.Answer issue(String grantId, String token) {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(api.base() + "/grants/" + grantId + "/database-credential"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Api.Answer answer = new Api.Answer(response.statusCode(), response.body());
        if (answer.status() == 201) {
            secrets.add(answer.json().getString("password"));
            assertThat(response.headers().firstValue("Cache-Control")).as("Cache-Control").contains("no-store");
        }
        return answer;
    }

    private static DatabaseCredential credential(Api.Answer answer) {
        JsonObject json = answer.json();
        return new DatabaseCredential(json.getString("username"), json.getString("password"), json.getString("leaseId"),
                Instant.parse(json.getString("expiresAt")));
    }

    private void assertRefusalLedgered(Grant grant, Vendor actor, String reason) {
        var refusals = LeaseFixture.ledger(core(), "grant:" + grant.id()).stream()
                .filter(e -> e.type().equals("access.refused")).toList();
        assertThat(refusals).as("access.refused on grant " + grant.id())
                .anySatisfy(e -> {
                    assertThat(e.actor()).isEqualTo(actor.principal().name());
                    assertThat(LeaseFixture.payload(e)).containsEntry("reason", reason)
                            .containsEntry("grant", grant.id().toString());
                    assertThat(String.valueOf(LeaseFixture.payload(e).get("action"))).startsWith("database login");
                });
    }

    private void assertNoLease(Grant grant) {
        assertThat(await(core().database().pool().preparedQuery("SELECT count(*) AS n FROM leases WHERE grant_id = $1")
                .execute(io.vertx.sqlclient.Tuple.of(grant.id()))).iterator().next().getInteger("n")).isZero();
    }

    private Broker core() {
        return broker.harness.broker();
    }

    private Vendor vendor() {
        var registered = await(broker.directory.register(broker.admin, new Directory.PrincipalSpec("vendor-db-api-" + names.incrementAndGet(),
                PrincipalKind.HUMAN, Set.of(Role.VENDOR), Set.of(), List.of())));
        return new Vendor(registered.principal(), registered.token());
    }

    private String target(boolean withDatabase) {
        String name = "dbapi-" + names.incrementAndGet();
        broker.sshTarget(name, "test", "127.0.0.1", 22, Fixtures.randomHostKey(),
                withDatabase ? vault.databaseCredentialBlock() : Map.of());
        return name;
    }

    private Grant grant(Vendor vendor, String target, Map<String, Object> scope, Duration length) {
        return broker.grant(vendor.principal(), target, scope, length);
    }

    private Grant grant(Vendor vendor, String target, Map<String, Object> scope, Instant notBefore, Instant notAfter) {
        return broker.grant(vendor.principal(), target, scope, notBefore, notAfter, 10);
    }
}
