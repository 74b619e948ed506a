package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Vault's envelope, error shapes, headers and methods, exactly as clients parse them. */
class VaultTransportTest {

    private static VaultTestServer vault;
    private static RawVault http;

    @BeforeAll
    static void start() {
        vault = VaultTestServer.start(null, VaultTestServer.Options.defaults());
        vault.kvPut("secret", "app/config", Map.of("api_key", "s3cr3t", "port", 8080));
        http = new RawVault(vault.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void successIsVaultsEnvelopeWithExactlyApplicationJson() throws Exception {
        RawVault.Answer answer = http.get("/v1/secret/data/app/config", vault.rootToken());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("application/json");
        JsonObject body = answer.json();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("request_id", "lease_id", "renewable", "lease_duration", "data",
                "wrap_info", "warnings", "auth");
        assertThat(body.getString("lease_id")).isEmpty();
        assertThat(body.getBoolean("renewable")).isFalse();
        assertThat(body.getJsonObject("data").getJsonObject("data").getMap()).containsEntry("api_key", "s3cr3t").containsEntry("port", 8080);
        assertThat(body.getJsonObject("data").getJsonObject("metadata").getInteger("version")).isEqualTo(1);
        assertThat(body.getValue("auth")).isNull();
    }

    @Test
    void bearerTokenWorksLikeXVaultToken() throws Exception {
        RawVault.Answer answer = http.send(HttpRequest.newBuilder(URI.create(vault.baseUrl() + "/v1/auth/token/lookup-self"))
                .header("Authorization", "Bearer " + vault.rootToken()).timeout(Duration.ofSeconds(10)).build());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.data().getJsonArray("policies").getList()).containsExactly("root");
    }

    @Test
    void putIsPost() throws Exception {
        RawVault.Answer put = http.send("PUT", "/v1/secret/data/app/put", vault.rootToken(),
                new JsonObject().put("data", new JsonObject().put("k", "v")).encode());

        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.data().getInteger("version")).isEqualTo(1);
        assertThat(vault.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo("/secret/data/app/put");
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.template()).isEqualTo("/{kv_v2_mount_path}/data/{path}");
            assertThat(r.bodyFields()).containsExactly("data");
        });
    }

    @Test
    void kvVersionsSoftDeleteAndCheckAndSet() throws Exception {
        String root = vault.rootToken();
        http.post("/v1/secret/data/app/versions", root, new JsonObject().put("data", new JsonObject().put("v", 1)));
        RawVault.Answer stale = http.post("/v1/secret/data/app/versions", root,
                new JsonObject().put("data", new JsonObject().put("v", 2)).put("options", new JsonObject().put("cas", 0)));
        RawVault.Answer second = http.post("/v1/secret/data/app/versions", root,
                new JsonObject().put("data", new JsonObject().put("v", 2)).put("options", new JsonObject().put("cas", 1)));
        RawVault.Answer deleted = http.send("DELETE", "/v1/secret/data/app/versions", root, null);
        RawVault.Answer afterDelete = http.get("/v1/secret/data/app/versions", root);

        assertThat(stale.status()).isEqualTo(400);
        assertThat(second.data().getInteger("version")).isEqualTo(2);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(afterDelete.status()).isEqualTo(404);
        assertThat(afterDelete.data().getValue("data")).isNull();
        assertThat(afterDelete.data().getJsonObject("metadata").getString("deletion_time")).isNotEmpty();
    }

    @Test
    void errorsAreAnErrorsListWithVaultsCodes() throws Exception {
        String root = vault.rootToken();

        RawVault.Answer missing = http.get("/v1/secret/data/app/absent", root);
        RawVault.Answer unknownPath = http.get("/v1/nothing/here", root);
        RawVault.Answer notV1 = http.get("/v2/sys/health", root);
        RawVault.Answer wrongMethod = http.get("/v1/sys/leases/revoke", root);
        RawVault.Answer badJson = http.send("POST", "/v1/sys/leases/lookup", root, "{not json");

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"errors\":[]}");
        assertThat(missing.contentType()).isEqualTo("application/json");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.json().getJsonArray("errors").getString(0)).contains("no handler for route");
        assertThat(notV1.status()).isEqualTo(404);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.json().getJsonArray("errors").getString(0)).startsWith("failed to parse JSON input");
    }

    @Test
    void unrecognisedFieldsAreIgnoredWithVaultsWarningAndRecordedByName() throws Exception {
        String token = vault.token();

        // `token` is a field of Vault's renew-self that the test server does not read
        RawVault.Answer answer = http.post("/v1/auth/token/renew-self", token, new JsonObject().put("token", token));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().getJsonArray("warnings").getString(0))
                .isEqualTo("Endpoint ignored these unrecognized parameters: [token]");
        assertThat(vault.requests()).anySatisfy(r -> {
            assertThat(r.template()).isEqualTo("/auth/token/renew-self");
            assertThat(r.bodyFields()).containsExactly("token");
        });
        // names only: the log never holds a value
        assertThat(vault.requests().toString()).doesNotContain(token).doesNotContain("s3cr3t");
    }

    @Test
    void noContentAnswersHaveNoBodyAndNoContentType() throws Exception {
        RawVault.Answer answer = http.post("/v1/auth/token/revoke-self", vault.token(), null);

        assertThat(answer.status()).isEqualTo(204);
        assertThat(answer.body()).isEmpty();
        assertThat(answer.contentType()).isNull();
    }
}
