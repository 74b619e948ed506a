package dev.portcullis.access;

import dev.portcullis.credentials.TargetCredential;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Role;
import dev.portcullis.domain.Target;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Principals;
import dev.portcullis.store.SshKeys;
import dev.portcullis.store.Targets;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Who and what the broker knows: principals with their keys and API tokens, and targets. Admin work. */
public final class Directory {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** A newly registered principal and, once only, its first API token. */
    public record Registered(Principal principal, String token) {
    }

    public record PrincipalSpec(String name, PrincipalKind kind, Set<Role> roles, Set<String> groups, List<String> sshKeys) {
    }

    public record TargetSpec(String name, Protocol protocol, String environment, Set<String> tags,
                             Map<String, Object> endpoint, Map<String, Object> credential) {
    }

    private final Transactions transactions;

    public Directory(Transactions transactions) {
        this.transactions = transactions;
    }

    public Future<Registered> register(Principal actor, PrincipalSpec spec) {
        return Roles.require(actor, Role.ADMIN, "register principals").compose(ok -> {
            if (!NAME.matcher(spec.name()).matches()) {
                return Future.failedFuture(Problem.unprocessable("invalid_name",
                        "principal names are 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"));
            }
            List<SshKeys.Parsed> keys = new ArrayList<>();
            for (String key : spec.sshKeys()) {
                try {
                    keys.add(SshKeys.parse(key));
                } catch (IllegalArgumentException e) {
                    return Future.failedFuture(Problem.unprocessable("invalid_ssh_key", e.getMessage()));
                }
            }
            String token = Tokens.generate();
            return transactions.run(tx -> {
                Principal p = new Principal(UUID.randomUUID(), spec.name(), spec.kind(), spec.roles(), spec.groups(),
                        keys.stream().map(SshKeys.Parsed::line).toList(), false, tx.now());
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("id", p.id().toString());
                payload.put("kind", p.kind().wire());
                payload.put("roles", p.roles().stream().map(Role::wire).sorted().toList());
                payload.put("groups", p.groups().stream().sorted().toList());
                payload.put("sshKeyFingerprints", keys.stream().map(SshKeys.Parsed::fingerprint).toList());
                return Principals.insert(tx.sql(), p, keys)
                        .compose(done -> Principals.addToken(tx.sql(), p.id(), Tokens.hash(token), "initial", tx.now()))
                        .compose(done -> tx.record(new LedgerEvent("principal.registered", actor.name(), "principal:" + p.name(), payload)))
                        .map(done -> new Registered(p, token));
            }).recover(Directory::duplicate);
        }).recover(failure -> Roles.refused(transactions, actor, "principal:" + spec.name(), failure));
    }

    /** Creates the first admin and its token; used once, on a fresh database. */
    public Future<Registered> bootstrap() {
        String token = Tokens.generate();
        return transactions.run(tx -> Principals.any(tx.sql()).compose(any -> {
            if (any) {
                return Future.succeededFuture(null);
            }
            Principal admin = new Principal(UUID.randomUUID(), "admin", PrincipalKind.HUMAN, Set.of(Role.ADMIN), Set.of(),
                    List.of(), false, tx.now());
            return Principals.insert(tx.sql(), admin, List.of())
                    .compose(done -> Principals.addToken(tx.sql(), admin.id(), Tokens.hash(token), "bootstrap", tx.now()))
                    .compose(done -> tx.record(new LedgerEvent("principal.bootstrapped", "broker", "principal:admin",
                            Map.of("id", admin.id().toString(), "roles", List.of("admin")))))
                    .map(done -> new Registered(admin, token));
        }));
    }

    public Future<String> issueToken(Principal actor, String principalName, String label) {
        return Roles.require(actor, Role.ADMIN, "issue API tokens").compose(ok -> {
            String token = Tokens.generate();
            return transactions.run(tx -> Principals.byName(tx.sql(), principalName).compose(found -> {
                if (found.isEmpty()) {
                    return Future.failedFuture(Problem.notFound("principal " + principalName));
                }
                return Principals.addToken(tx.sql(), found.get().id(), Tokens.hash(token), label, tx.now())
                        .compose(done -> tx.record(new LedgerEvent("token.issued", actor.name(), "principal:" + principalName,
                                Map.of("label", label))))
                        .map(done -> token);
            }));
        }).recover(failure -> Roles.refused(transactions, actor, "principal:" + principalName, failure));
    }

    public Future<Target> register(Principal actor, TargetSpec spec) {
        return Roles.require(actor, Role.ADMIN, "register targets").compose(ok -> {
            if (!NAME.matcher(spec.name()).matches()) {
                return Future.failedFuture(Problem.unprocessable("invalid_name",
                        "target names are 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"));
            }
            try {
                validateEndpoint(spec);
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(Problem.unprocessable("invalid_endpoint", e.getMessage()));
            }
            try {
                TargetCredential.parse(spec.credential());
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(Problem.unprocessable("invalid_credential", e.getMessage()));
            }
            return transactions.run(tx -> {
                Target t = new Target(UUID.randomUUID(), spec.name(), spec.protocol(), spec.environment(), spec.tags(),
                        spec.endpoint(), spec.credential(), tx.now());
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("id", t.id().toString());
                payload.put("protocol", t.protocol().wire());
                payload.put("environment", t.environment());
                payload.put("tags", t.tags().stream().sorted().toList());
                payload.put("endpoint", t.endpoint());
                // The credential block names where a secret comes from (a Vault path, a local secret name);
                // it is ledgered by its keys only, in case an operator put a literal secret there.
                payload.put("credentialKeys", t.credential().keySet().stream().sorted().toList());
                return Targets.insert(tx.sql(), t)
                        .compose(done -> tx.record(new LedgerEvent("target.registered", actor.name(), "target:" + t.name(), payload)))
                        .map(done -> t);
            }).recover(Directory::duplicate);
        }).recover(failure -> Roles.refused(transactions, actor, "target:" + spec.name(), failure));
    }

    private static void validateEndpoint(TargetSpec spec) {
        Map<String, Object> e = spec.endpoint();
        if (spec.protocol() == Protocol.SSH) {
            if (!(e.get("host") instanceof String host) || host.isBlank()) {
                throw new IllegalArgumentException("an SSH target needs ssh.host");
            }
            Object port = e.getOrDefault("port", 22);
            if (!(port instanceof Number n) || n.intValue() < 1 || n.intValue() > 65535) {
                throw new IllegalArgumentException("ssh.port must be 1-65535");
            }
            if (!(e.get("hostKey") instanceof String key) || key.isBlank()) {
                if (!(e.get("hostCa") instanceof String ca) || ca.isBlank()) {
                    throw new IllegalArgumentException("an SSH target pins its host key (ssh.hostKey) or a host CA (ssh.hostCa)");
                }
            } else {
                SshKeys.parse(key);
            }
        } else {
            if (!(e.get("baseUrl") instanceof String url)) {
                throw new IllegalArgumentException("an HTTP target needs http.baseUrl");
            }
            URI uri = URI.create(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("http.baseUrl must be an absolute http(s) URL");
            }
        }
    }

    private static <T> Future<T> duplicate(Throwable failure) {
        if (failure instanceof PgException pg && "23505".equals(pg.getSqlState())) {
            return Future.failedFuture(Problem.conflict("already_exists", "a principal, target or key with that name or fingerprint already exists"));
        }
        return Future.failedFuture(failure);
    }
}
