package dev.portcullis.support.vault;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tokens, the policies they carry and the AppRoles that issue them. A token past its TTL is gone
 * (403 to its holder) and, as in Vault, revoking or expiring a token revokes the leases it created.
 */
final class TokenStore {

    static final String ROOT_POLICY = "root";
    static final String DEFAULT_POLICY = "default";

    /** A token; its expiry moves when it is renewed. */
    static final class Token {
        final String id = Secrets.serviceToken();
        final String accessor = Secrets.base62(24);
        final String entityId;
        final String displayName;
        final String path;
        final List<String> policies;
        final Map<String, String> metadata;
        final Instant creation;
        final Duration creationTtl;
        /** Null for a token that never expires (root). */
        final Instant maxExpire;
        private Instant expireTime;
        private Instant lastRenewal;

        Token(List<String> policies, String displayName, String path, Map<String, String> metadata, Instant now,
                Duration ttl, Duration maxTtl) {
            this.entityId = ttl == null ? "" : UUID.randomUUID().toString();
            this.policies = List.copyOf(policies);
            this.displayName = displayName;
            this.path = path;
            this.metadata = Map.copyOf(metadata);
            this.creation = now;
            this.creationTtl = ttl == null ? Duration.ZERO : ttl;
            this.expireTime = ttl == null ? null : now.plus(ttl);
            this.maxExpire = maxTtl == null ? null : now.plus(maxTtl);
        }

        synchronized Instant expireTime() {
            return expireTime;
        }

        synchronized boolean expired(Instant now) {
            return expireTime != null && !now.isBefore(expireTime);
        }

        boolean renewable() {
            return expireTime() != null;
        }

        synchronized long ttlSeconds(Instant now) {
            return expireTime == null ? 0 : Math.max(0, Duration.between(now, expireTime).toSeconds());
        }

        /** Extends the TTL to {@code increment} (or the creation TTL), never past the maximum; returns whether it was capped. */
        synchronized boolean renew(Duration increment, Instant now) {
            Duration ttl = increment == null || increment.isZero() ? creationTtl : increment;
            Instant wanted = now.plus(ttl);
            boolean capped = maxExpire != null && wanted.isAfter(maxExpire);
            expireTime = capped ? maxExpire : wanted;
            lastRenewal = now;
            return capped;
        }

        synchronized Instant lastRenewal() {
            return lastRenewal;
        }
    }

    private record AppRoleEntry(String name, AppRole role, String roleId, String secretId) {
    }

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Policy> policies = new ConcurrentHashMap<>();
    private final Map<String, AppRoleEntry> appRolesById = new ConcurrentHashMap<>();
    private final Set<String> goneIds = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<String>> waiters = new ConcurrentHashMap<>();
    private final Consumer<Token> onGone;
    private final Token root;

    /** {@code onGone} hears of every token revoked or expired (to revoke its leases, to stop its timer). */
    TokenStore(Instant now, Consumer<Token> onGone) {
        this.onGone = onGone;
        this.root = new Token(List.of(ROOT_POLICY), "root", "auth/token/root", Map.of(), now, null, null);
        tokens.put(root.id, root);
        policies.put(DEFAULT_POLICY, Policy.DEFAULT);
    }

    Token root() {
        return root;
    }

    void policy(String name, Policy policy) {
        if (name.equals(ROOT_POLICY)) {
            throw new IllegalArgumentException("the root policy cannot be changed");
        }
        policies.put(name, policy);
    }

    /** A token with {@code default} plus {@code policyNames}, as {@code auth/token/create} would make it. */
    Token create(List<String> policyNames, Duration ttl, Duration maxTtl, Instant now) {
        Token token = new Token(withDefault(policyNames), "token", "auth/token/create", Map.of(), now, ttl, maxTtl);
        tokens.put(token.id, token);
        return token;
    }

    AppRoleCredentials appRole(String name, AppRole role) {
        appRolesById.values().removeIf(e -> e.name.equals(name));
        AppRoleEntry entry = new AppRoleEntry(name, role, UUID.randomUUID().toString(), UUID.randomUUID().toString());
        appRolesById.put(entry.roleId, entry);
        return new AppRoleCredentials(entry.roleId, entry.secretId);
    }

    /** {@code auth/approle/login}: a wrong role or secret id is a 400, as in Vault. */
    Token login(String roleId, String secretId, Instant now) {
        if (roleId == null || roleId.isEmpty()) {
            throw VaultError.badRequest("missing role_id");
        }
        AppRoleEntry entry = appRolesById.get(roleId);
        if (entry == null) {
            throw VaultError.badRequest("invalid role or secret ID");
        }
        if (secretId == null || secretId.isEmpty()) {
            throw VaultError.badRequest("missing secret_id");
        }
        if (!entry.secretId.equals(secretId)) {
            throw VaultError.badRequest("invalid role or secret ID");
        }
        Token token = new Token(withDefault(entry.role.policies()), "approle", "auth/approle/login",
                Map.of("role_name", entry.name), now, entry.role.tokenTtl(), entry.role.tokenMaxTtl());
        tokens.put(token.id, token);
        return token;
    }

    /** The live token with this id; an expired one is revoked on the way. */
    Optional<Token> find(String id, Instant now) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Token token = tokens.get(id);
        if (token != null && token.expired(now)) {
            revoke(token);
            return Optional.empty();
        }
        return Optional.ofNullable(token);
    }

    void revoke(Token token) {
        if (tokens.remove(token.id) != null) {
            goneIds.add(token.id);
            onGone.accept(token);
            CompletableFuture<String> waiter = waiters.get(token.id);
            if (waiter != null) {
                waiter.complete(token.id);
            }
        }
    }

    /** Completes once the token is revoked or has expired (and its leases were sent to revocation). */
    CompletableFuture<String> gone(String id) {
        CompletableFuture<String> f = waiters.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (goneIds.contains(id)) {
            f.complete(id);
        }
        return f;
    }

    /** Revokes {@code token} if it has expired by {@code now}; answers whether it is still alive. */
    boolean expireIfDue(Token token, Instant now) {
        if (token.expired(now)) {
            revoke(token);
            return false;
        }
        return tokens.containsKey(token.id);
    }

    /** Whether {@code token} may call {@code method} on {@code path} (after {@code /v1/}). */
    boolean allows(Token token, String method, String path) {
        if (token.policies.contains(ROOT_POLICY)) {
            return true;
        }
        List<Policy> held = new ArrayList<>();
        for (String name : token.policies) {
            Policy p = policies.get(name);
            if (p != null) {
                held.add(p);
            }
        }
        Set<String> capabilities = Policy.capabilities(held, path);
        if (capabilities.contains("deny")) {
            return false;
        }
        return switch (method) {
            case "GET" -> capabilities.contains("read");
            case "DELETE" -> capabilities.contains("delete");
            default -> capabilities.contains("update") || capabilities.contains("create");
        };
    }

    /** The {@code auth} block of a login or {@code renew-self} answer. */
    static JsonObject authBlock(Token token, Instant now) {
        JsonArray policyList = new JsonArray(List.copyOf(token.policies));
        return new JsonObject()
                .put("client_token", token.id)
                .put("accessor", token.accessor)
                .put("policies", policyList)
                .put("token_policies", policyList.copy())
                .put("metadata", token.metadata.isEmpty() ? null : new JsonObject(Map.copyOf(token.metadata)))
                .put("lease_duration", token.ttlSeconds(now))
                .put("renewable", token.renewable())
                .put("entity_id", token.entityId)
                .put("token_type", "service")
                .put("orphan", true)
                .put("mfa_requirement", null)
                .put("num_uses", 0);
    }

    /** The {@code data} of {@code auth/token/lookup-self}. */
    static JsonObject lookup(Token token, Instant now) {
        Instant expire = token.expireTime();
        Instant renewed = token.lastRenewal();
        JsonObject data = new JsonObject()
                .put("accessor", token.accessor)
                .put("creation_time", token.creation.getEpochSecond())
                .put("creation_ttl", token.creationTtl.toSeconds())
                .put("display_name", token.displayName)
                .put("entity_id", token.entityId)
                .put("expire_time", expire == null ? null : Times.rfc3339(expire))
                .put("explicit_max_ttl", 0)
                .put("id", token.id)
                .put("issue_time", Times.rfc3339(token.creation))
                .put("meta", token.metadata.isEmpty() ? null : new JsonObject(Map.copyOf(token.metadata)))
                .put("num_uses", 0)
                .put("orphan", true)
                .put("path", token.path)
                .put("policies", new JsonArray(List.copyOf(token.policies)))
                .put("renewable", token.renewable())
                .put("ttl", token.ttlSeconds(now))
                .put("type", "service");
        if (renewed != null) {
            data.put("last_renewal", Times.rfc3339(renewed)).put("last_renewal_time", renewed.getEpochSecond());
        }
        return data;
    }

    private static List<String> withDefault(List<String> policyNames) {
        List<String> all = new ArrayList<>();
        all.add(DEFAULT_POLICY);
        policyNames.stream().filter(p -> !all.contains(p)).sorted().forEach(all::add);
        return all;
    }
}
