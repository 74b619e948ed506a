package dev.portcullis.gateway.http;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.support.LogCapture;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VaultStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP gateway with the Vault broker as its {@code kv} credential source: a KV v2 secret in the Vault test
 * server, rendered into the target's header template, is what the real upstream sees — never the vendor's token —
 * and a sealed Vault at session start fails closed with its reason code, ledgered, with nothing sent upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayVaultKvTest {

    private static final String KV_PATH = "portcullis/crm-api";
    private static final String TOKEN = "kv-secret-7d41be";

    private final AtomicInteger names = new AtomicInteger();
    private final Queue<JsonObject> seen = new ConcurrentLinkedQueue<>();
    private Path dir;
    private LogCapture logs;
    private VaultStandIn vault;
    private StandInBroker broker;
    private Vertx upstreamVertx;
    private int upstreamPort;
    private WebClient client;

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        dir = Files.createTempDirectory("portcullis-http-vault-");
        vault = VaultStandIn.start();
        vault.vault.kvPut("secret", KV_PATH, Map.of("token", TOKEN, "tenant", "acme"));
        upstreamVertx = Vertx.vertx();
        upstreamPort = await(upstreamVertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(request -> {
                    JsonObject headers = new JsonObject();
                    request.headers().forEach((name, value) -> {
                        String key = name.toLowerCase(Locale.ROOT);
                        JsonArray values = headers.getJsonArray(key);
                        if (values == null) {
                            headers.put(key, values = new JsonArray());
                        }
                        values.add(value);
                    });
                    JsonObject echo = new JsonObject().put("uri", request.uri()).put("headers", headers);
                    seen.add(echo);
                    request.response().putHeader("content-type", "application/json").end(echo.encode());
                }).listen()).actualPort();
        broker = StandInBroker.start(dir.resolve("data"), vault.brokerEnv(dir));
        HttpGateway gateway = broker.harness.broker().httpGateway();
        client = WebClient.create(broker.vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(gateway.certificate().toString()))
                .setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()));
    }

    @AfterEach
    void clearFaults() {
        vault.vault.faults().clear();
    }

    @AfterAll
    void stop() {
        try {
            // Whatever happened above, the secret reached neither the ledger nor the log.
            assertThat(wholeLedger()).doesNotContain(TOKEN);
            assertThat(logs.text()).doesNotContain(TOKEN).doesNotContain(vault.appRole.secretId());
        } finally {
            logs.close();
            client.close();
            broker.close();
            await(upstreamVertx.close());
            vault.close();
        }
    }

    @Test
    void upstreamSeesTheVaultSecretRenderedIntoTheHeaderAndNeverTheVendorsToken() {
        var vendor = broker.vendorWithToken(unique("vendor"));
        String target = kvTarget();
        Grant grant = grant(vendor.principal(), target);

        HttpResponse<Buffer> answer = await(client.get("/t/" + target + "/echo/kv")
                .putHeader("authorization", "Bearer " + vendor.token()).send());

        assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
        JsonObject headers = answer.bodyAsJsonObject().getJsonObject("headers");
        assertThat(headers.getJsonArray("authorization")).containsExactly("Token " + TOKEN + " tenant=acme");
        assertThat(headers.encode()).doesNotContain(vendor.token());
        // Fetched from Vault's KV v2 API by the broker's AppRole, and ledgered by reference only.
        assertThat(vault.vault.requests()).anyMatch(r -> r.path().equals("/secret/data/" + KV_PATH) && r.status() == 200);
        UUID session = broker.sessionsOf(grant.id()).get(0).getUUID("id");
        LedgerChain.Entry started = awaitLedger("session:" + session, "session.started");
        assertThat(HttpGatewayScopeTest.payload(started)).containsEntry("credential", "vault-kv:secret/" + KV_PATH + " v1");
        assertThat(String.valueOf(started.payload())).doesNotContain(TOKEN);
    }

    @Test
    void sealedVaultAtSessionStartRefusesWith503AndTheReasonCodeAndReachesNothingUpstream() {
        var vendor = broker.vendorWithToken(unique("vendor"));
        String target = kvTarget();
        Grant grant = grant(vendor.principal(), target);
        vault.vault.faults().seal(true);
        int before = seen.size();

        HttpResponse<Buffer> answer = await(client.get("/t/" + target + "/echo/sealed")
                .putHeader("authorization", "Bearer " + vendor.token()).send());

        assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(503);
        assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("vault_sealed");
        assertThat(answer.bodyAsString()).contains("Vault is sealed");
        assertThat(seen).hasSize(before);
        assertThat(broker.sessionsOf(grant.id())).isEmpty();
        LedgerChain.Entry refused = awaitLedger("target:" + target, "http.refused");
        assertThat(HttpGatewayScopeTest.payload(refused)).containsEntry("reason", "vault_sealed").containsEntry("status", 503)
                .containsEntry("target", target);

        // Unsealed, the next request opens the session: nothing of the failure was kept.
        vault.vault.faults().seal(false);
        HttpResponse<Buffer> later = await(client.get("/t/" + target + "/echo/unsealed")
                .putHeader("authorization", "Bearer " + vendor.token()).send());
        assertThat(later.statusCode()).as(later.bodyAsString()).isEqualTo(200);
        assertThat(later.bodyAsJsonObject().getJsonObject("headers").getJsonArray("authorization"))
                .containsExactly("Token " + TOKEN + " tenant=acme");
    }

    @Test
    void aSecretLackingTheTemplatesKeyFailsClosedNamingThePathNotTheValue() {
        var vendor = broker.vendorWithToken(unique("vendor"));
        String name = unique("api");
        broker.httpTarget(name, "test", "http://127.0.0.1:" + upstreamPort, Map.of("kv", Map.of("mount", "secret",
                "path", KV_PATH, "header", "Authorization", "template", "Bearer {{missing}}")));
        grant(vendor.principal(), name);
        int before = seen.size();

        HttpResponse<Buffer> answer = await(client.get("/t/" + name + "/echo/x").putHeader("authorization", "Bearer " + vendor.token()).send());

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("credential_misconfigured");
        assertThat(answer.bodyAsString()).contains("secret/" + KV_PATH).doesNotContain(TOKEN);
        assertThat(seen).hasSize(before);
    }

    private String kvTarget() {
        String name = unique("api");
        broker.httpTarget(name, "test", "http://127.0.0.1:" + upstreamPort, Map.of("kv", Map.of("mount", "secret",
                "path", KV_PATH, "header", "Authorization", "template", "Token {{token}} tenant={{tenant}}")));
        return name;
    }

    private Grant grant(dev.portcullis.domain.Principal vendor, String target) {
        Instant now = Instant.now();
        return broker.grantScope(vendor, target, Map.of("http", Map.of("methods", List.of("GET"), "paths", List.of("/echo/**"),
                "websocket", false)), now.minusSeconds(1), now.plus(Duration.ofHours(1)), 10);
    }

    private String unique(String prefix) {
        return prefix + "-" + names.incrementAndGet();
    }

    private LedgerChain.Entry awaitLedger(String subject, String type) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (LedgerChain.Entry e : broker.ledger(subject)) {
                if (e.type().equals(type)) {
                    return e;
                }
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("no " + type + " about " + subject + ": " + broker.ledger(subject));
            }
            await(broker.vertx.timer(50));
        }
    }

    private String wholeLedger() {
        StringBuilder text = new StringBuilder();
        await(dev.portcullis.store.Ledger.read(broker.database.pool(), 0, 100_000))
                .forEach(e -> text.append(new JsonObject(e.body()).encode()).append('\n'));
        return text.toString();
    }
}
