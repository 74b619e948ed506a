package dev.portcullis.api;

import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.Problem;
import dev.portcullis.access.RequestSpec;
import dev.portcullis.access.Roles;
import dev.portcullis.access.Verdict;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Decision;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Role;
import dev.portcullis.store.BreakGlassReviews;
import dev.portcullis.store.Grants;
import dev.portcullis.store.Json;
import dev.portcullis.store.Ledger;
import dev.portcullis.store.Principals;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Targets;
import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** One handler per OpenAPI operation id. Bodies arrive already validated against the document. */
final class Operations {

    private final ApiServer.Dependencies deps;
    private final Pool pool;
    private final Map<String, Handler<RoutingContext>> handlers;

    Operations(ApiServer.Dependencies deps) {
        this.deps = deps;
        this.pool = deps.transactions().pool();
        this.handlers = Map.ofEntries(
                Map.entry("whoami", ctx -> ok(ctx, 200, Future.succeededFuture(Views.principal(Authentication.principal(ctx))))),
                Map.entry("listPrincipals", this::listPrincipals),
                Map.entry("registerPrincipal", this::registerPrincipal),
                Map.entry("issueToken", this::issueToken),
                Map.entry("listTargets", ctx -> ok(ctx, 200, Targets.all(pool).map(list -> new JsonArray(list.stream().map(Views::target).toList())))),
                Map.entry("registerTarget", this::registerTarget),
                Map.entry("putSecret", this::putSecret),
                Map.entry("getPolicy", this::policy),
                Map.entry("listRequests", this::listRequests),
                Map.entry("fileRequest", ctx -> ok(ctx, 201, deps.workflow().file(Authentication.principal(ctx), spec(ctx)).map(Views::request))),
                Map.entry("getRequest", ctx -> ok(ctx, 200, deps.workflow().view(pool, id(ctx)).map(Views::request))),
                Map.entry("amendRequest", ctx -> ok(ctx, 200, deps.workflow().amend(Authentication.principal(ctx), id(ctx), spec(ctx)).map(Views::request))),
                Map.entry("decideRequest", this::decide),
                Map.entry("withdrawRequest", ctx -> ok(ctx, 200, deps.workflow().withdraw(Authentication.principal(ctx), id(ctx)).map(Views::request))),
                Map.entry("requestHistory", this::history),
                Map.entry("getGrant", ctx -> ok(ctx, 200, Grants.byId(pool, id(ctx)).map(g -> Views.grant(g.orElseThrow(() -> Problem.notFound("grant " + id(ctx))))))),
                Map.entry("revokeGrant", this::revoke),
                Map.entry("checkAccess", this::checkAccess),
                Map.entry("issueDatabaseCredential", this::issueDatabaseCredential),
                Map.entry("listReviews", this::listReviews),
                Map.entry("sshKeys", this::sshKeys),
                Map.entry("listSessions", this::listSessions),
                Map.entry("terminateSession", this::terminateSession),
                Map.entry("getRecording", this::recording),
                Map.entry("closeReview", this::closeReview),
                Map.entry("readLedger", this::readLedger),
                Map.entry("verifyLedger", this::verifyLedger),
                Map.entry("watchSession", Operations::upgradeRequired),
                Map.entry("streamEvents", Operations::upgradeRequired));
    }

    Handler<RoutingContext> handler(String operationId) {
        Handler<RoutingContext> handler = handlers.get(operationId);
        if (handler == null) {
            throw new IllegalStateException("openapi.yaml declares operation '" + operationId + "' that the broker does not implement");
        }
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (Problem p) {
                ctx.fail(p);
            }
        };
    }

    private static void ok(RoutingContext ctx, int status, Future<?> body) {
        body.onSuccess(json -> ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                        .end(json instanceof JsonObject o ? o.encode() : ((JsonArray) json).encode()))
                .onFailure(ctx::fail);
    }

    private static JsonObject body(RoutingContext ctx) {
        JsonObject body = ctx.body().asJsonObject();
        return body == null ? new JsonObject() : body;
    }

    private static UUID id(RoutingContext ctx) {
        try {
            return UUID.fromString(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest("invalid_request", "'" + ctx.pathParam("id") + "' is not an id");
        }
    }

    /** Refuses unless the caller holds one of the roles; recorded like every other refusal. */
    private Future<Principal> requireAny(RoutingContext ctx, Role... roles) {
        Principal p = Authentication.principal(ctx);
        for (Role role : roles) {
            if (p.has(role)) {
                return Future.succeededFuture(p);
            }
        }
        Problem problem = Problem.forbidden("forbidden_role", "this needs one of the roles "
                + java.util.Arrays.stream(roles).map(Role::wire).toList());
        return Roles.refused(deps.transactions(), p, "api:" + ctx.request().method() + " " + ctx.request().path(), problem);
    }

    // ---- principals and targets ------------------------------------------------------------------------

    private void listPrincipals(RoutingContext ctx) {
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.AUDITOR)
                .compose(p -> Principals.all(pool)).map(list -> new JsonArray(list.stream().map(Views::principal).toList())));
    }

    private void registerPrincipal(RoutingContext ctx) {
        JsonObject b = body(ctx);
        Directory.PrincipalSpec spec = new Directory.PrincipalSpec(b.getString("name"), PrincipalKind.fromWire(b.getString("kind")),
                strings(b.getJsonArray("roles")).stream().map(Role::fromWire).collect(Collectors.toSet()),
                new HashSet<>(strings(b.getJsonArray("groups"))), strings(b.getJsonArray("sshKeys")));
        ok(ctx, 201, deps.directory().register(Authentication.principal(ctx), spec)
                .map(r -> new JsonObject().put("principal", Views.principal(r.principal())).put("token", r.token())));
    }

    private void issueToken(RoutingContext ctx) {
        ok(ctx, 201, deps.directory().issueToken(Authentication.principal(ctx), ctx.pathParam("name"), body(ctx).getString("label"))
                .map(token -> new JsonObject().put("token", token)));
    }

    private void registerTarget(RoutingContext ctx) {
        JsonObject b = body(ctx);
        Protocol protocol = Protocol.fromWire(b.getString("protocol"));
        JsonObject endpoint = b.getJsonObject(protocol.wire());
        if (endpoint == null) {
            throw Problem.unprocessable("invalid_endpoint", "a " + protocol.wire() + " target needs the '" + protocol.wire() + "' block");
        }
        JsonObject other = b.getJsonObject(protocol == Protocol.SSH ? "http" : "ssh");
        if (other != null) {
            throw Problem.unprocessable("invalid_endpoint", "a " + protocol.wire() + " target cannot have a '"
                    + (protocol == Protocol.SSH ? "http" : "ssh") + "' block");
        }
        Directory.TargetSpec spec = new Directory.TargetSpec(b.getString("name"), protocol, b.getString("environment"),
                new HashSet<>(strings(b.getJsonArray("tags"))), Json.map(endpoint), Json.map(b.getJsonObject("credential")));
        ok(ctx, 201, deps.directory().register(Authentication.principal(ctx), spec).map(Views::target));
    }

    // A local secret for the HTTP gateway to inject; the answer, like the ledger, names it and never shows it.
    private void putSecret(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        ok(ctx, 200, deps.localSecrets().put(Authentication.principal(ctx), name, body(ctx).getString("value"))
                .map(done -> new JsonObject().put("name", name)));
    }

    private void policy(RoutingContext ctx) {
        var policy = deps.policy().get();
        JsonArray rules = new JsonArray();
        policy.rules().forEach(rule -> rules.add(new JsonObject().put("name", rule.name()).put("tier", rule.tier().kind())
                .put("maxDuration", rule.maxDuration().toString()).put("breakGlass", rule.breakGlass().allowed())
                .put("recordInput", rule.recordInput())));
        ok(ctx, 200, Future.succeededFuture(new JsonObject().put("version", policy.version())
                .put("signoffGroup", policy.signoffGroup()).put("rules", rules)));
    }

    // ---- requests --------------------------------------------------------------------------------------

    private static RequestSpec spec(RoutingContext ctx) {
        JsonObject b = body(ctx);
        JsonObject window = b.getJsonObject("window");
        return new RequestSpec(b.getString("ticket"), b.getString("executor"), b.getString("target"),
                Json.map(b.getJsonObject("scope")), b.getString("changeClass"), instant(window, "notBefore"),
                instant(window, "notAfter"), b.getInteger("maxSessions", 1), b.getString("expectedOutcome"),
                b.getString("rollbackPlan"), b.getBoolean("emergency", false));
    }

    private static Instant instant(JsonObject window, String field) {
        try {
            return java.time.OffsetDateTime.parse(window.getString(field)).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw Problem.badRequest("invalid_request", "window." + field + " must be an RFC 3339 date-time such as 2026-11-21T10:00:00Z");
        }
    }

    private void listRequests(RoutingContext ctx) {
        Principal p = Authentication.principal(ctx);
        // Vendors see what they filed or will execute; approvers, auditors and admins see everything.
        boolean all = p.has(Role.APPROVER) || p.has(Role.AUDITOR) || p.has(Role.ADMIN);
        int limit = ctx.queryParam("limit").isEmpty() ? 100 : Integer.parseInt(ctx.queryParam("limit").get(0));
        String state = ctx.queryParam("state").isEmpty() ? null : ctx.queryParam("state").get(0);
        ok(ctx, 200, Requests.list(pool, state, all ? null : p.id(), limit).compose(list -> {
            List<Future<JsonObject>> views = list.stream().map(r -> deps.workflow().view(pool, r.id()).map(Views::request)).toList();
            return Future.all(views).map(done -> new JsonArray(views.stream().map(Future::result).toList()));
        }));
    }

    private void decide(RoutingContext ctx) {
        JsonObject b = body(ctx);
        ok(ctx, 200, deps.workflow().decide(Authentication.principal(ctx), id(ctx), Decision.fromWire(b.getString("decision")),
                b.getString("digest"), b.getString("comment", "")).map(Views::request));
    }

    private void history(RoutingContext ctx) {
        UUID id = id(ctx);
        Principal p = Authentication.principal(ctx);
        ok(ctx, 200, deps.workflow().view(pool, id).compose(view -> {
            boolean party = view.requester().equals(p.name()) || view.executor().equals(p.name());
            if (!party && !p.has(Role.APPROVER) && !p.has(Role.AUDITOR) && !p.has(Role.ADMIN)) {
                return Future.failedFuture(Problem.forbidden("forbidden_role", "only the request's parties, approvers, auditors and admins see its history"));
            }
            Future<List<LedgerChain.Entry>> request = Ledger.forSubject(pool, "request:" + id);
            Future<List<LedgerChain.Entry>> grant = view.grant() == null ? Future.succeededFuture(List.of())
                    : Ledger.forSubject(pool, "grant:" + view.grant().id());
            Future<List<LedgerChain.Entry>> sessions = view.grant() == null ? Future.succeededFuture(List.of())
                    : dev.portcullis.store.Sessions.idsForGrant(pool, view.grant().id())
                    .compose(ids -> entriesOf(ids.stream().map(s -> "session:" + s).toList()));
            // Credential leases and their revocation: issued, revoking, revoked (confirmed) or revocation_failed.
            Future<List<LedgerChain.Entry>> leases = view.grant() == null ? Future.succeededFuture(List.of())
                    : dev.portcullis.store.Leases.idsForGrant(pool, view.grant().id())
                    .compose(ids -> entriesOf(ids.stream().map(l -> "lease:" + l).toList()));
            return Future.all(request, grant, sessions, leases).map(done -> {
                List<LedgerChain.Entry> entries = new ArrayList<>(request.result());
                entries.addAll(grant.result());
                entries.addAll(sessions.result());
                entries.addAll(leases.result());
                entries.sort(Comparator.comparingLong(LedgerChain.Entry::seq));
                return new JsonArray(entries.stream().map(Views::entry).toList());
            });
        }));
    }

    private Future<List<LedgerChain.Entry>> entriesOf(List<String> subjects) {
        List<Future<List<LedgerChain.Entry>>> each = subjects.stream().map(s -> Ledger.forSubject(pool, s)).toList();
        return Future.all(each).map(done -> each.stream().flatMap(f -> f.result().stream()).toList());
    }

    // ---- grants, checks, reviews -----------------------------------------------------------------------

    private void revoke(RoutingContext ctx) {
        String reason = body(ctx).getString("reason", "");
        ok(ctx, 200, deps.workflow().revoke(Authentication.principal(ctx), id(ctx), reason).map(Views::grant));
    }

    /** The password is in this answer and nowhere else: not ledgered, not logged, not cached on the way. */
    private void issueDatabaseCredential(RoutingContext ctx) {
        ctx.response().putHeader("Cache-Control", "no-store");
        ok(ctx, 201, deps.databaseAccess().issue(Authentication.principal(ctx), id(ctx))
                .map(c -> new JsonObject().put("username", c.username()).put("password", c.password())
                        .put("leaseId", c.leaseId()).put("expiresAt", String.valueOf(c.expiresAt()))));
    }

    private void checkAccess(RoutingContext ctx) {
        JsonObject b = body(ctx);
        Action action = action(b.getJsonObject("action"));
        UUID grant = b.getString("grant") == null ? null : UUID.fromString(b.getString("grant"));
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.APPROVER, Role.AUDITOR)
                .compose(caller -> Principals.byName(pool, b.getString("identity")))
                .compose(identity -> deps.verifier().evaluate(new GrantVerifier.Attempt(identity.orElse(null), b.getString("target"),
                        action, grant, b.getBoolean("newSession", true))))
                .map(verdict -> {
                    if (verdict instanceof Verdict.Allowed allowed) {
                        return new JsonObject().put("allowed", true).put("grant", allowed.grant().id().toString())
                                .put("reason", null).put("message", null);
                    }
                    Verdict.Refused refused = (Verdict.Refused) verdict;
                    return new JsonObject().put("allowed", false)
                            .put("grant", refused.grantId() == null ? null : refused.grantId().toString())
                            .put("reason", refused.reason().code()).put("message", refused.message());
                }));
    }

    private static Action action(JsonObject a) {
        String principal = a.getString("principal", "");
        return switch (a.getString("kind")) {
            case "ssh-shell" -> new Action.SshShell(principal);
            case "ssh-exec" -> new Action.SshExec(principal, a.getString("command", ""));
            case "ssh-forward" -> new Action.SshForward(principal, a.getString("host", ""), a.getInteger("port", 0));
            case "ssh-subsystem" -> new Action.SshSubsystem(principal, a.getString("subsystem", ""));
            case "database-login" -> new Action.DatabaseLogin(a.getString("role", ""));
            default -> new Action.HttpCall(a.getString("method", "GET"), a.getString("path", "/"), a.getBoolean("websocket", false));
        };
    }

    private void listReviews(RoutingContext ctx) {
        String state = ctx.queryParam("state").isEmpty() ? null : ctx.queryParam("state").get(0);
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.APPROVER, Role.AUDITOR)
                .compose(p -> BreakGlassReviews.list(pool, state)).map(JsonArray::new));
    }

    private void closeReview(RoutingContext ctx) {
        JsonObject b = body(ctx);
        ok(ctx, 200, deps.workflow().closeReview(Authentication.principal(ctx), id(ctx), b.getString("outcome"), b.getString("note", "")));
    }

    // ---- SSH gateway and sessions ----------------------------------------------------------------------

    private void sshKeys(RoutingContext ctx) {
        var gateway = deps.sshGateway();
        // With Vault, the user CA is Vault's: asked for each time, so a rotated CA shows at once.
        ok(ctx, 200, deps.credentials().userCaKey()
                .recover(failure -> Future.failedFuture(failure instanceof CredentialUnavailable u
                        ? new Problem(503, u.code(), "the user CA key cannot be read: " + u.getMessage()) : failure))
                .map(caKey -> new JsonObject().put("enabled", gateway != null)
                .put("port", gateway == null ? null : gateway.port())
                .put("hostKey", gateway == null ? null : gateway.hostKeyLine())
                .put("userCaKey", caKey)));
    }

    private void listSessions(RoutingContext ctx) {
        int limit = ctx.queryParam("limit").isEmpty() ? 100 : Integer.parseInt(ctx.queryParam("limit").get(0));
        String state = ctx.queryParam("state").isEmpty() ? null : ctx.queryParam("state").get(0);
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.AUDITOR)
                .compose(p -> dev.portcullis.store.Sessions.list(pool, state, limit)).map(JsonArray::new));
    }

    private void terminateSession(RoutingContext ctx) {
        UUID id = id(ctx);
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.AUDITOR).compose(p -> {
            // The session lives on one gateway (or on another node): ask each gateway this node runs.
            Future<Boolean> ssh = deps.sshGateway() == null ? Future.succeededFuture(false) : deps.sshGateway().terminate(id, p.name());
            return ssh.compose(cut -> cut || deps.httpGateway() == null ? Future.succeededFuture(cut)
                            : deps.httpGateway().terminate(id, p.name()))
                    .compose(cut -> cut
                    ? dev.portcullis.store.Sessions.byId(pool, id).map(row -> row.orElseThrow())
                    : Future.failedFuture(Problem.notFound("live session " + id + " on this node")));
        }));
    }

    /**
     * The session's recording as written so far (asciicast v2 for SSH, one JSON exchange record a line for HTTP): a
     * live session's recording is flushed first, and grows while it runs.
     */
    private void recording(RoutingContext ctx) {
        UUID id = id(ctx);
        requireAny(ctx, Role.ADMIN, Role.AUDITOR)
                .compose(p -> dev.portcullis.store.Sessions.byId(pool, id))
                .compose(row -> {
                    if (row.isEmpty()) {
                        return Future.failedFuture(Problem.notFound("session " + id));
                    }
                    var gateway = deps.recordings(row.get().getString("protocol"));
                    if (gateway == null) {
                        return Future.failedFuture(Problem.notFound("a recording of session " + id + " on this node"));
                    }
                    String file = gateway.recording(id).toString();
                    Context here = ctx.vertx().getOrCreateContext();
                    return gateway.flushRecording(id)
                            // the gateway answers on its recorder thread; the response is written from the request's
                            .compose(flushed -> {
                                Promise<Void> back = Promise.promise();
                                here.runOnContext(v -> back.complete());
                                return back.future();
                            })
                            .compose(v -> ctx.vertx().fileSystem().exists(file))
                            .compose(exists -> exists ? Future.succeededFuture(file)
                                    : Future.failedFuture(Problem.notFound("a recording of session " + id + " on this node")));
                })
                .onSuccess(file -> ctx.response().putHeader("content-type", "text/plain; charset=utf-8").sendFile(file))
                .onFailure(ctx::fail);
    }

    /** The WebSocket streams are answered before this router; a plain GET lands here. */
    private static void upgradeRequired(RoutingContext ctx) {
        ctx.response().putHeader("Upgrade", "websocket");
        ApiError.send(ctx.response(), 426, "upgrade_required", "this is a WebSocket stream: connect with a WebSocket client");
    }

    // ---- ledger ----------------------------------------------------------------------------------------

    private void readLedger(RoutingContext ctx) {
        long after = ctx.queryParam("after").isEmpty() ? 0 : Long.parseLong(ctx.queryParam("after").get(0));
        int limit = ctx.queryParam("limit").isEmpty() ? 100 : Integer.parseInt(ctx.queryParam("limit").get(0));
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.AUDITOR)
                .compose(p -> Ledger.read(pool, after, limit)).map(list -> new JsonArray(list.stream().map(Views::entry).toList())));
    }

    private void verifyLedger(RoutingContext ctx) {
        ok(ctx, 200, requireAny(ctx, Role.ADMIN, Role.AUDITOR).compose(p -> Ledger.verify(pool, deps.signatures())).map(v -> new JsonObject()
                .put("valid", v.valid()).put("entries", v.entries()).put("head", v.head())
                .put("firstBroken", v.firstBreak().map(b -> new JsonObject().put("seq", b.seq()).put("reason", b.reason())).orElse(null))
                .put("checkpoints", v.checkpoints())
                .put("checkpointViolation", v.checkpointViolation()
                        .map(c -> new JsonObject().put("seq", c.seq()).put("reason", c.reason())).orElse(null))));
    }

    private static List<String> strings(JsonArray array) {
        if (array == null) {
            return List.of();
        }
        List<String> list = new ArrayList<>();
        array.forEach(v -> list.add(String.valueOf(v)));
        return list;
    }
}
