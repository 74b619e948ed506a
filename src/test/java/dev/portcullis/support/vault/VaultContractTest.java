package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The test server serves nothing Vault does not: every path, method and request field it serves,
 * and every one it was sent in this JVM, exists in Vault's OpenAPI document (the subset in
 * {@code ../shared/vault/}, read from there, never copied into the project).
 */
class VaultContractTest {

    /** Beside the checkout, as on CI; {@code -Dvault.openapi.subset=…} points elsewhere. */
    static final Path SUBSET = Path.of(System.getProperty("vault.openapi.subset",
            Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                    .resolve("../shared/vault/vault-openapi-subset.json").normalize().toString()));

    private static JsonObject subset;
    private static VaultTestServer vault;

    @BeforeAll
    static void readSubset() throws IOException {
        if (Files.isRegularFile(SUBSET)) {
            subset = new JsonObject(Files.readString(SUBSET));
            vault = VaultTestServer.start(null, VaultTestServer.Options.defaults());
        }
    }

    // Per test, so that every skipped test carries the reason in the report.
    @BeforeEach
    void needsTheSubset() {
        assumeTrue(subset != null, "Vault's OpenAPI subset is absent at " + SUBSET
                + ": the contract check is skipped (CI has ../shared beside the checkout)");
    }

    @AfterAll
    static void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void everyServedRouteIsAPathMethodAndFieldSetOfVaultsApi() {
        List<String> problems = new ArrayList<>();
        for (ServedRoute route : vault.servedRoutes()) {
            JsonObject path = subset.getJsonObject("paths").getJsonObject(route.template());
            if (path == null) {
                problems.add(route.template() + " is not a path of Vault's API");
                continue;
            }
            JsonObject operation = path.getJsonObject(route.method().toLowerCase(java.util.Locale.ROOT));
            if (operation == null) {
                problems.add(route.method() + " " + route.template() + " is not an operation of Vault's API");
                continue;
            }
            Set<String> unknown = new TreeSet<>(route.fields());
            unknown.removeAll(requestFields(operation));
            if (!unknown.isEmpty()) {
                problems.add(route.method() + " " + route.template() + " reads fields Vault does not have: " + unknown);
            }
            boolean unauthenticated = path.getBoolean("x-vault-unauthenticated", false);
            if (unauthenticated == route.authenticated()) {
                problems.add(route.method() + " " + route.template() + (route.authenticated()
                        ? " asks for a token where Vault does not" : " serves without a token where Vault asks for one"));
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theRouteTableCoversTheEndpointsTheContractNames() {
        assertThat(vault.servedRoutes()).extracting(r -> r.method() + " " + r.template()).contains(
                "POST /auth/{approle_mount_path}/login",
                "POST /{ssh_mount_path}/sign/{role}",
                "GET /{ssh_mount_path}/public_key",
                "GET /{database_mount_path}/creds/{name}",
                "GET /{kv_v2_mount_path}/data/{path}",
                "POST /sys/leases/lookup",
                "POST /sys/leases/renew",
                "POST /sys/leases/revoke",
                "GET /sys/health",
                "GET /auth/token/lookup-self",
                "POST /auth/token/renew-self",
                "POST /auth/token/revoke-self");
    }

    @Test
    void everyRequestServedInThisJvmUsedOnlyVaultsFields() throws Exception {
        exerciseEveryRoute();
        List<String> problems = new ArrayList<>();
        List<ServedRequest> served = VaultTestServer.requestsServedInThisJvm();
        for (ServedRequest r : served) {
            if (r.template() == null) {
                continue; // not served: answered 404/405 (a client's wrong path, on purpose in the pitfall tests)
            }
            JsonObject operation = subset.getJsonObject("paths").getJsonObject(r.template())
                    .getJsonObject(r.method().toLowerCase(java.util.Locale.ROOT));
            Set<String> unknownBody = new TreeSet<>(r.bodyFields());
            unknownBody.removeAll(requestFields(operation));
            Set<String> unknownQuery = new TreeSet<>(r.queryFields());
            unknownQuery.removeAll(queryParameters(operation));
            if (!unknownBody.isEmpty() || !unknownQuery.isEmpty()) {
                problems.add(r.method() + " " + r.path() + " sent fields Vault does not have: body " + unknownBody + ", query " + unknownQuery);
            }
        }
        assertThat(served).extracting(ServedRequest::template).containsAll(
                vault.servedRoutes().stream().map(ServedRoute::template).toList());
        assertThat(problems).isEmpty();
    }

    @Test
    void theCheckNoticesAFieldVaultDoesNotHave() {
        JsonObject sign = subset.getJsonObject("paths").getJsonObject("/{ssh_mount_path}/sign/{role}").getJsonObject("post");
        assertThat(requestFields(sign)).contains("public_key", "extensions").doesNotContain("principals", "lease_id");
    }

    /** One request per served route, each with every field the route reads. */
    private static void exerciseEveryRoute() throws Exception {
        RawVault http = new RawVault(vault.baseUrl());
        String root = vault.rootToken();
        vault.sshRole("contract", new SshRole(List.of("*"), Map.of(), Set.of("*"), Duration.ofHours(1)).withAllowUserKeyIds(true));
        vault.kvPut("secret", "contract/check", Map.of("k", "v"));
        AppRoleCredentials approle = vault.appRole("contract");
        String publicKey = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());

        http.post("/v1/auth/approle/login", null, new JsonObject().put("role_id", approle.roleId()).put("secret_id", approle.secretId()));
        http.get("/v1/auth/token/lookup-self", root);
        http.post("/v1/ssh/sign/contract", root, new JsonObject().put("public_key", publicKey).put("valid_principals", "a")
                .put("ttl", "60s").put("cert_type", "user").put("key_id", "k").put("extensions", new JsonObject())
                .put("critical_options", new JsonObject()));
        http.get("/v1/ssh/public_key", null);
        http.get("/v1/database/creds/contract", root);
        http.post("/v1/secret/data/contract/written", root, new JsonObject().put("data", new JsonObject().put("k", "v"))
                .put("options", new JsonObject()));
        http.get("/v1/secret/data/contract/check", root);
        http.send("DELETE", "/v1/secret/data/contract/written", root, null);
        http.post("/v1/sys/leases/lookup", root, new JsonObject().put("lease_id", "database/creds/contract/none"));
        http.post("/v1/sys/leases/renew", root, new JsonObject().put("lease_id", "database/creds/contract/none").put("increment", 60));
        http.post("/v1/sys/leases/revoke", root, new JsonObject().put("lease_id", "database/creds/contract/none").put("sync", true));
        http.get("/v1/sys/health", null);
        String token = vault.token();
        http.post("/v1/auth/token/renew-self", token, new JsonObject().put("increment", 60));
        http.post("/v1/auth/token/revoke-self", token, null);
    }

    private static Set<String> requestFields(JsonObject operation) {
        JsonObject body = operation.getJsonObject("requestBody");
        if (body == null) {
            return Set.of();
        }
        JsonObject schema = body.getJsonObject("content").getJsonObject("application/json").getJsonObject("schema");
        String ref = schema.getString("$ref");
        if (ref != null) {
            schema = subset.getJsonObject("components").getJsonObject("schemas").getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
        }
        JsonObject properties = schema.getJsonObject("properties", new JsonObject());
        return properties.fieldNames();
    }

    private static Set<String> queryParameters(JsonObject operation) {
        Set<String> names = new TreeSet<>();
        operation.getJsonArray("parameters", new io.vertx.core.json.JsonArray()).forEach(p -> {
            JsonObject parameter = (JsonObject) p;
            if ("query".equals(parameter.getString("in"))) {
                names.add(parameter.getString("name"));
            }
        });
        return names;
    }
}
