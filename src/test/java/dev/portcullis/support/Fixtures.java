package dev.portcullis.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cast of principals and targets registered through the API, matching the shipped
 * {@code config/policies.yaml}: customer admins, a customer sign-off approver, vendors and a bot.
 */
public final class Fixtures {

    private final Api api;
    private final Map<String, String> tokens = new HashMap<>();
    private final Map<String, String> ids = new HashMap<>();

    public Fixtures(Api api) {
        this.api = api;
    }

    public static Fixtures standard(Api api) {
        Fixtures f = new Fixtures(api);
        f.principal("vendor", "human", List.of("vendor"), List.of());
        f.principal("vendor2", "human", List.of("vendor"), List.of());
        f.principal("bot", "non-human", List.of("vendor"), List.of());
        f.principal("alice", "human", List.of("approver"), List.of("customer-admins"));
        f.principal("bob", "human", List.of("approver"), List.of("customer-admins"));
        f.principal("carol", "human", List.of("approver"), List.of("customer-signoff"));
        f.principal("dave", "human", List.of("approver"), List.of("contractors"));
        f.principal("auditor", "human", List.of("auditor"), List.of());
        f.principal("sam", "human", List.of("vendor", "approver"), List.of("customer-admins"));
        f.principal("audrey", "human", List.of("approver", "auditor"), List.of("customer-admins"));
        f.sshTarget("db-prod", "production", List.of("regulated"));
        f.sshTarget("web-prod", "production", List.of());
        f.sshTarget("app-staging", "staging", List.of());
        f.sshTarget("sandbox", "sandbox", List.of());
        Api.Answer http = api.post("/targets", api.adminToken(), new JsonObject().put("name", "api-prod").put("protocol", "http")
                .put("environment", "production").put("http", new JsonObject().put("baseUrl", "https://api.example.internal")));
        assertThat(http.status()).as(http.toString()).isEqualTo(201);
        return f;
    }

    public String principal(String name, String kind, List<String> roles, List<String> groups) {
        Api.Answer answer = api.post("/principals", api.adminToken(), new JsonObject().put("name", name).put("kind", kind)
                .put("roles", new JsonArray(roles)).put("groups", new JsonArray(groups)));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
        tokens.put(name, answer.json().getString("token"));
        ids.put(name, answer.json().getJsonObject("principal").getString("id"));
        return tokens.get(name);
    }

    public void sshTarget(String name, String environment, List<String> tags) {
        Api.Answer answer = api.post("/targets", api.adminToken(), new JsonObject().put("name", name).put("protocol", "ssh")
                .put("environment", environment).put("tags", new JsonArray(tags))
                .put("ssh", new JsonObject().put("host", "127.0.0.1").put("port", 22).put("hostKey", randomHostKey())
                        .put("principals", new JsonArray(List.of("root", "deploy", "postgres")))));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
    }

    public String token(String name) {
        return tokens.get(name);
    }

    public String id(String name) {
        return ids.get(name);
    }

    /** A request body as a vendor would send it; tweak the returned object for variants. */
    public static JsonObject request(String ticket, String executor, String target, String changeClass, Duration startIn, Duration length) {
        Instant start = Instant.now().plus(startIn);
        return new JsonObject().put("ticket", ticket).put("executor", executor).put("target", target)
                .put("scope", sshScope()).put("changeClass", changeClass)
                .put("window", new JsonObject().put("notBefore", start.toString()).put("notAfter", start.plus(length).toString()))
                .put("maxSessions", 2).put("expectedOutcome", "replication lag back under 1s")
                .put("rollbackPlan", "restore the previous postgresql.conf and reload");
    }

    public static JsonObject sshScope() {
        return new JsonObject().put("ssh", new JsonObject().put("principals", new JsonArray(List.of("postgres")))
                .put("interactive", true));
    }

    public static JsonObject execOnlyScope(String... commands) {
        return new JsonObject().put("ssh", new JsonObject().put("principals", new JsonArray(List.of("deploy")))
                .put("exec", new JsonArray(List.of(commands))));
    }

    /** Files a request as {@code requester} and asserts it was accepted. */
    public JsonObject file(String requester, JsonObject request) {
        Api.Answer answer = api.post("/requests", token(requester), request);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
        return answer.json();
    }

    public Api.Answer decide(String approver, JsonObject request, String decision) {
        return api.post("/requests/" + request.getString("id") + "/approvals", token(approver),
                new JsonObject().put("decision", decision).put("digest", request.getString("digest")).put("comment", "checked by " + approver));
    }

    /** A syntactically valid, random ssh-ed25519 public key line, for pinning on targets in API tests. */
    public static String randomHostKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        writeString(blob, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        writeString(blob, key);
        return "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.toByteArray());
    }

    private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >>> 24);
        out.write(bytes.length >>> 16);
        out.write(bytes.length >>> 8);
        out.write(bytes.length);
        out.writeBytes(bytes);
    }
}
