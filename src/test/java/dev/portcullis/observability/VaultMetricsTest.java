package dev.portcullis.observability;

import dev.portcullis.Broker;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;
import dev.portcullis.sessions.WindowScheduler;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.Fixtures;
import dev.portcullis.support.Scrape;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.json.JsonObject;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
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
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Vault faults look like from the ops listener, read from real scrapes of {@code /metrics} and real
 * {@code /health/ready} answers of a broker whose credentials come from the Vault test server: refusals counted
 * by Vault operation and reason code, failed and pending revocations in the gauges until confirmed, the
 * revocation lag recorded, and readiness following Vault's seal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaultMetricsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(45);

    private final AtomicInteger names = new AtomicInteger();
    private Path dir;
    private VaultStandIn vault;
    private StandInBroker broker;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("portcullis-vault-metrics-");
        vault = VaultStandIn.start();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
        // The broker logs in to Vault on its first call: done here, so a sealed Vault later refuses the operation under
        // test (ssh_sign, kv_read) rather than the AppRole login.
        await(broker.harness.broker().credentials().broker().brokerSecret("secret", VaultStandIn.ADMIN_SECRET));
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() {
        try {
            broker.close();
        } finally {
            vault.close();
        }
    }

    @Test
    void sshSessionRefusedBySealedVaultIsCountedAsASealedSignAndADenial() throws Exception {
        String name = unique("vendor");
        VendorSsh ssh = VendorSsh.create(dir.resolve("vendors").resolve(name), KeyPairProvider.SSH_ED25519, 256,
                broker.gateway().port(), broker.gateway().hostKeyLine());
        Principal vendor = broker.vendor(name, ssh.publicKeyLine());
        String target = unique("host");
        // Never reached: the certificate is refused before any connection to the target (any well-formed key will do).
        broker.sshTarget(target, "test", "127.0.0.1", 22, vault.vault.sshCaPublicKeyLine().trim());
        broker.grant(vendor, target, Map.of("principals", List.of("root"), "interactive", true), Duration.ofMinutes(30));
        Scrape before = scrape();
        vault.vault.faults().seal(true);

        VendorSsh.Run run = ssh.run(target, "echo should-not-run");

        assertThat(run.exitStatus()).as(run.toString()).isNotZero();
        assertThat(run.stderr()).contains("Vault is sealed");
        Scrape after = Scrape.awaiting(ops(), s -> value(s, "portcullis_access_denied_total", "reason", "vault_sealed")
                > value(before, "portcullis_access_denied_total", "reason", "vault_sealed"));
        assertThat(value(after, "portcullis_vault_request_seconds_count", "op", "ssh_sign", "outcome", "vault_sealed"))
                .isEqualTo(value(before, "portcullis_vault_request_seconds_count", "op", "ssh_sign", "outcome", "vault_sealed") + 1);
        assertThat(value(after, "portcullis_session_starts_total", "outcome", "refused", "protocol", "ssh"))
                .isGreaterThan(value(before, "portcullis_session_starts_total", "outcome", "refused", "protocol", "ssh"));
    }

    @Test
    void httpSessionRefusedBySealedVaultIsCountedAsASealedKvReadAndADenial() throws Exception {
        var vendor = broker.vendorWithToken(unique("vendor"));
        String target = unique("api");
        // Never reached either: without the credential there is no session.
        broker.httpTarget(target, "test", "http://127.0.0.1:1", Map.of("kv", Map.of("mount", "secret", "path", "portcullis/crm-api")));
        Instant now = Instant.now();
        broker.grantScope(vendor.principal(), target, Map.of("http", Map.of("methods", List.of("GET"), "paths", List.of("/**"),
                "websocket", false)), now.minusSeconds(1), now.plus(Duration.ofHours(1)), 10);
        Scrape before = scrape();
        vault.vault.faults().seal(true);

        HttpResponse<String> answer = gateway(target, vendor.token());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(new JsonObject(answer.body()).getJsonObject("error").getString("code")).isEqualTo("vault_sealed");
        Scrape after = Scrape.awaiting(ops(), s -> value(s, "portcullis_access_denied_total", "reason", "vault_sealed")
                > value(before, "portcullis_access_denied_total", "reason", "vault_sealed"));
        assertThat(value(after, "portcullis_vault_request_seconds_count", "op", "kv_read", "outcome", "vault_sealed"))
                .isEqualTo(value(before, "portcullis_vault_request_seconds_count", "op", "kv_read", "outcome", "vault_sealed") + 1);
    }

    @Test
    void aLyingRevokeRaisesTheFailureGaugesUntilTheRevocationIsConfirmed() {
        Grant grant = databaseGrant();
        issue(grant);
        vault.vault.faults().lyingRevoke(true);
        var failed = transition(grant, "CLOSE_FAILED");

        broker.revoke(grant.id());

        failed.get(WAIT);
        // The gauges are refreshed after the closing's ledger entries (or at the latest every 10 s).
        Scrape alerting = Scrape.awaiting(ops(), s -> s.value("portcullis_grants_close_failed") >= 1
                && s.value("portcullis_revocations_failed") >= 1 && s.value("portcullis_revocations_pending") >= 1);
        assertThat(alerting.value("portcullis_vault_request_seconds_count", "op", "lease_lookup", "outcome", "ok")).isPositive();
        double lagBefore = scrape().value("portcullis_revocation_lag_seconds_count");

        var closed = transition(grant, "CLOSED");
        vault.vault.faults().lyingRevoke(false);

        closed.get(WAIT);
        Scrape settled = Scrape.awaiting(ops(), s -> s.value("portcullis_grants_close_failed") == 0
                && s.value("portcullis_revocations_failed") == 0 && s.value("portcullis_revocations_pending") == 0);
        assertThat(settled.value("portcullis_revocation_lag_seconds_count")).isGreaterThan(lagBefore);
    }

    @Test
    void aConfirmedRevocationRecordsItsLag() {
        Grant grant = databaseGrant();
        issue(grant);
        double lagBefore = scrape().value("portcullis_revocation_lag_seconds_count");
        var closed = transition(grant, "CLOSED");

        broker.revoke(grant.id());

        closed.get(WAIT);
        Scrape after = Scrape.awaiting(ops(), s -> s.value("portcullis_revocation_lag_seconds_count") >= lagBefore + 1);
        assertThat(after.value("portcullis_vault_request_seconds_count", "op", "lease_revoke", "outcome", "ok")).isPositive();
        assertThat(after.value("portcullis_vault_request_seconds_count", "op", "database_creds", "outcome", "ok")).isPositive();
    }

    @Test
    void readinessNamesVaultWhileItIsSealedAndRecoversOnceUnsealed() throws Exception {
        assertThat(ready().statusCode()).isEqualTo(200);

        vault.vault.faults().seal(true);
        HttpResponse<String> sealed = ready();

        assertThat(sealed.statusCode()).as(sealed.body()).isEqualTo(503);
        JsonObject body = new JsonObject(sealed.body());
        assertThat(body.getString("status")).isEqualTo("not_ready");
        assertThat(body.getJsonObject("checks").getJsonObject("vault").getBoolean("ready")).isFalse();
        assertThat(body.getJsonObject("checks").getJsonObject("vault").getString("error")).contains("sealed");
        assertThat(body.getJsonObject("checks").getJsonObject("database").getBoolean("ready")).isTrue();

        vault.vault.faults().seal(false);
        HttpResponse<String> unsealed = ready();
        assertThat(unsealed.statusCode()).as(unsealed.body()).isEqualTo(200);
        assertThat(new JsonObject(unsealed.body()).getJsonObject("checks").getJsonObject("vault").getBoolean("ready")).isTrue();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private String ops() {
        return broker.harness.opsUrl();
    }

    private Scrape scrape() {
        return Scrape.of(ops());
    }

    /** A series that has not been used yet reads as zero (Vault reason codes get their series when first seen). */
    private static double value(Scrape scrape, String name, String... labels) {
        return scrape.has(name, labels) ? scrape.value(name, labels) : 0;
    }

    private HttpResponse<String> ready() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(ops() + "/health/ready")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One request through the HTTP gateway, trusting its self-signed certificate. */
    private HttpResponse<String> gateway(String target, String token) throws Exception {
        var gateway = broker.harness.broker().httpGateway();
        var certificate = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(gateway.certificate()));
        var trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("gateway", certificate);
        var factory = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        var tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.port() + "/t/" + target + "/anything"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private final Map<java.util.UUID, Target> targets = new java.util.concurrent.ConcurrentHashMap<>();

    private Grant databaseGrant() {
        String name = unique("db");
        Principal vendor = broker.vendor("vendor-" + name);
        Target target = broker.sshTarget(name, "test", "127.0.0.1", 22, Fixtures.randomHostKey(), vault.databaseCredentialBlock());
        Grant grant = broker.grant(vendor, name, Map.of("principals", List.of("postgres"), "interactive", true), Duration.ofMinutes(30));
        targets.put(grant.id(), target);
        return grant;
    }

    private DatabaseCredential issue(Grant grant) {
        Broker core = broker.harness.broker();
        return await(core.credentials().database().issue(targets.get(grant.id()), grant, null, "tester"));
    }

    private BrokerHarness.Awaiting transition(Grant grant, String state) {
        return broker.harness.expect(WindowScheduler.TRANSITIONS, j -> grant.id().toString().equals(j.getString("grant"))
                && state.equals(j.getString("state")));
    }

    private String unique(String prefix) {
        return prefix + "-" + names.incrementAndGet();
    }
}
