package dev.portcullis.access;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Approval;
import dev.portcullis.domain.ChangeClass;
import dev.portcullis.domain.Decision;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.GrantState;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.RequestState;
import dev.portcullis.domain.Role;
import dev.portcullis.domain.Scope;
import dev.portcullis.domain.Scopes;
import dev.portcullis.domain.SshScope;
import dev.portcullis.domain.Target;
import dev.portcullis.domain.Window;
import dev.portcullis.integrity.SigningKey;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.PolicyRule;
import dev.portcullis.policy.RequestFacts;
import dev.portcullis.policy.Tier;
import dev.portcullis.store.Approvals;
import dev.portcullis.store.BreakGlassReviews;
import dev.portcullis.store.Grants;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Principals;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Targets;
import dev.portcullis.store.Transactions;
import dev.portcullis.store.Tx;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The access request lifecycle: filing, amending, approving or denying, withdrawing, issuing grants,
 * break-glass and its review, early revocation, lapsing. Every change and its ledger entries commit in
 * one transaction; every refusal is recorded in the ledger before it is answered.
 */
public final class RequestWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(RequestWorkflow.class);

    /** How far in the past a window may start (it is then taken as starting now): clients' clocks drift. */
    static final Duration START_SKEW = Duration.ofMinutes(5);

    private final Transactions transactions;
    private final SigningKey key;
    private final Supplier<Policy> policy;
    private final AccessEvents events;

    public RequestWorkflow(Transactions transactions, SigningKey key, Supplier<Policy> policy, AccessEvents events) {
        this.transactions = transactions;
        this.key = key;
        this.policy = policy;
        this.events = events;
    }

    /** What a request resolves to before it is stored: its parties, target, scope, window and rule. */
    private record Bound(Principal executor, Target target, Scope scope, ChangeClass changeClass, Window window,
                         PolicyRule rule, Policy policy) {
    }

    // ---- filing ---------------------------------------------------------------------------------------

    public Future<RequestView> file(Principal actor, RequestSpec spec) {
        return Roles.require(actor, Role.VENDOR, "file access requests")
                .compose(ok -> bind(actor, spec, transactions.clock().instant()))
                .compose(bound -> transactions.run(tx -> fileIn(tx, actor, spec, bound)))
                .compose(this::view)
                .onSuccess(view -> {
                    events.requestFiled(view.request());
                    if (view.grant() != null) {
                        events.grantIssued(view.grant());
                    }
                })
                .recover(failure -> refused(actor, "principal:" + actor.name(), failure));
    }

    private Future<UUID> fileIn(Tx tx, Principal actor, RequestSpec spec, Bound b) {
        Future<Void> preconditions = Future.succeededFuture();
        if (spec.emergency()) {
            preconditions = BreakGlassReviews.openFor(tx.sql(), actor.id()).compose(open -> open.isPresent()
                    ? Future.failedFuture(Problem.forbidden("breakglass_review_pending",
                    "your previous break-glass (review " + open.get() + ") has not been reviewed yet"))
                    : Future.succeededFuture());
        } else if (b.rule().tier() instanceof Tier.Auto auto) {
            preconditions = Grants.autoGrantsSince(tx.sql(), b.executor().id(), tx.now().minus(auto.ratePeriod()))
                    .compose(n -> n >= auto.rateLimit()
                            ? Future.failedFuture(new Problem(429, "auto_rate_limited", "pre-approved automation for "
                            + b.executor().name() + " is limited to " + auto.rateLimit() + " grants per " + auto.ratePeriod()))
                            : Future.succeededFuture());
        }
        return preconditions.compose(ok -> {
            AccessRequest draft = new AccessRequest(UUID.randomUUID(), spec.ticket(), actor.id(), b.executor().id(),
                    b.target().id(), b.scope(), b.target().environment(), b.changeClass(), b.window(), spec.maxSessions(),
                    spec.expectedOutcome(), spec.rollbackPlan(), spec.emergency(), RequestState.PENDING, null, "",
                    b.policy().version(), b.rule().name(), tx.now());
            AccessRequest request = withDigest(draft);
            Map<String, Object> payload = new LinkedHashMap<>(Statements.binding(request));
            payload.put("digest", request.digest());
            payload.put("policyVersion", request.policyVersion());
            payload.put("policyRule", request.policyRule());
            payload.put("tier", spec.emergency() ? "break-glass" : b.rule().tier().kind());
            Future<AccessRequest> stored = Requests.insert(tx.sql(), request, tx.now())
                    .compose(r -> tx.record(new LedgerEvent("request.filed", actor.name(), "request:" + r.id(), payload)).map(r));
            if (spec.emergency()) {
                return stored.compose(r -> approveAndGrant(tx, r, "break-glass", b.policy(), actor.name()))
                        .compose(grant -> BreakGlassReviews.open(tx.sql(), request.id(), grant.id(), actor.id(), tx.now())
                                .compose(reviewId -> tx.record(new LedgerEvent("breakglass.opened", actor.name(),
                                        "request:" + request.id(), Map.of("grant", grant.id().toString(), "review",
                                        reviewId.toString(), "notAfter", grant.window().notAfter().toString(),
                                        "ticket", request.ticket()))))
                                .map(done -> {
                                    LOG.warn("BREAK-GLASS opened by {} for {} on target {} until {} (request {}); review required",
                                            actor.name(), b.executor().name(), b.target().name(), grant.window().notAfter(), request.id());
                                    return grant;
                                }))
                        .map(grant -> request.id());
            }
            if (b.rule().tier() instanceof Tier.Auto) {
                return stored.compose(r -> approveAndGrant(tx, r, "auto", b.policy(), "broker"))
                        .map(grant -> request.id());
            }
            return stored.map(AccessRequest::id);
        });
    }

    /** Resolves and checks everything a request binds, against the policy in force now. */
    private Future<Bound> bind(Principal actor, RequestSpec spec, Instant now) {
        Future<Optional<Principal>> executor = Principals.byName(transactions.pool(), spec.executor());
        Future<Optional<Target>> target = Targets.byName(transactions.pool(), spec.target());
        return Future.all(executor, target).compose(done -> {
            try {
                return Future.succeededFuture(check(spec, executor.result(), target.result(), now));
            } catch (Problem p) {
                return Future.failedFuture(p);
            }
        });
    }

    private Bound check(RequestSpec spec, Optional<Principal> maybeExecutor, Optional<Target> maybeTarget, Instant now) {
        Principal executor = maybeExecutor.filter(p -> !p.disabled() && p.has(Role.VENDOR)).orElseThrow(() ->
                Problem.unprocessable("unknown_executor", "executor '" + spec.executor() + "' is not a registered, enabled vendor principal"));
        Target target = maybeTarget.orElseThrow(() ->
                Problem.unprocessable("unknown_target", "target '" + spec.target() + "' is not registered"));
        Scope scope;
        try {
            scope = Scopes.fromMap(spec.scope());
        } catch (IllegalArgumentException e) {
            throw Problem.unprocessable("invalid_scope", e.getMessage());
        }
        if (scope.protocol() != target.protocol()) {
            throw Problem.unprocessable("invalid_scope", "target " + target.name() + " is " + target.protocol().wire()
                    + " but the scope is for " + scope.protocol().wire());
        }
        if (scope instanceof SshScope ssh && target.endpoint().get("principals") instanceof List<?> allowed && !allowed.isEmpty()
                && !allowed.containsAll(ssh.principals())) {
            throw Problem.unprocessable("invalid_scope", "target " + target.name() + " allows only the unix principals " + allowed);
        }
        ChangeClass changeClass;
        try {
            changeClass = ChangeClass.fromWire(spec.changeClass());
        } catch (IllegalArgumentException e) {
            throw Problem.unprocessable("invalid_change_class", e.getMessage());
        }
        Instant notBefore = spec.notBefore().truncatedTo(ChronoUnit.MICROS);
        Instant notAfter = spec.notAfter().truncatedTo(ChronoUnit.MICROS);
        if (!notAfter.isAfter(notBefore)) {
            throw Problem.unprocessable("invalid_window", "notAfter must be later than notBefore");
        }
        if (!notAfter.isAfter(now) || notBefore.isBefore(now.minus(START_SKEW))) {
            throw Problem.unprocessable("window_in_past", "the window must not start more than "
                    + START_SKEW.toMinutes() + " minutes ago nor have ended");
        }
        Policy current = policy.get();
        PolicyRule rule = current.evaluate(new RequestFacts(target.environment(), changeClass.wire(), target.tags(),
                executor.kind().wire()));
        if (rule.tier() instanceof Tier.Deny deny) {
            throw Problem.forbidden("policy_denied", deny.reason() + " (policy rule " + rule.name() + ")");
        }
        rule.ticketProblem(spec.ticket()).ifPresent(problem -> {
            throw Problem.unprocessable("invalid_ticket", problem);
        });
        Window window;
        if (spec.emergency()) {
            if (!rule.breakGlass().allowed()) {
                throw Problem.forbidden("breakglass_not_allowed", "policy rule " + rule.name() + " does not allow break-glass");
            }
            // Break-glass opens now and for no longer than the rule's break-glass limit, whatever was asked.
            Instant start = now.truncatedTo(ChronoUnit.MICROS);
            Duration asked = Duration.between(notBefore.isBefore(start) ? start : notBefore, notAfter);
            Duration length = asked.compareTo(rule.breakGlass().maxDuration()) > 0 ? rule.breakGlass().maxDuration() : asked;
            if (length.isNegative() || length.isZero()) {
                length = rule.breakGlass().maxDuration();
            }
            window = new Window(start, start.plus(length));
        } else {
            window = new Window(notBefore, notAfter);
            if (window.length().compareTo(rule.maxDuration()) > 0) {
                throw Problem.unprocessable("window_too_long", "policy rule " + rule.name() + " allows at most "
                        + rule.maxDuration() + " but the window is " + window.length());
            }
        }
        if (rule.tier() instanceof Tier.Auto auto && !spec.emergency()) {
            if (executor.kind() != PrincipalKind.NON_HUMAN) {
                throw Problem.forbidden("auto_requires_non_human", "policy rule " + rule.name()
                        + " pre-approves automation only; a human executor needs approval");
            }
            if (auto.execOnly() && !(scope instanceof SshScope ssh && ssh.execOnly())) {
                throw Problem.forbidden("auto_scope_too_wide", "policy rule " + rule.name()
                        + " pre-approves only an SSH exec allow-list (no shell, forwarding or subsystems)");
            }
            if (spec.maxSessions() > auto.maxSessions()) {
                throw Problem.unprocessable("too_many_sessions", "policy rule " + rule.name() + " pre-approves at most "
                        + auto.maxSessions() + " sessions");
            }
        }
        return new Bound(executor, target, scope, changeClass, window, rule, current);
    }

    private static AccessRequest withDigest(AccessRequest r) {
        return r.withDigest(Statements.digest(r));
    }

    // ---- amending and withdrawing --------------------------------------------------------------------

    /** Rewrites a PENDING request's bound fields; its digest changes and earlier approvals stop counting. */
    public Future<RequestView> amend(Principal actor, UUID id, RequestSpec spec) {
        if (spec.emergency()) {
            return refused(actor, "request:" + id, Problem.unprocessable("invalid_amendment",
                    "break-glass is filed as a new request, not by amending one"));
        }
        return bind(actor, spec, transactions.clock().instant())
                .compose(bound -> transactions.run(tx -> Requests.lock(tx.sql(), id).compose(found -> {
                    AccessRequest old = found.orElseThrow(() -> Problem.notFound("request " + id));
                    if (!old.requesterId().equals(actor.id())) {
                        throw Problem.forbidden("not_requester", "only the requester may amend a request");
                    }
                    if (old.state() != RequestState.PENDING) {
                        throw Problem.conflict("request_locked", "request is " + old.state()
                                + "; its bound fields cannot change (file a new request)");
                    }
                    if (!(bound.rule().tier() instanceof Tier.Approvals)) {
                        throw Problem.unprocessable("invalid_amendment", "an amendment cannot move a request to the "
                                + bound.rule().tier().kind() + " tier; file a new request");
                    }
                    AccessRequest amended = withDigest(new AccessRequest(old.id(), spec.ticket(), old.requesterId(),
                            bound.executor().id(), bound.target().id(), bound.scope(), bound.target().environment(),
                            bound.changeClass(), bound.window(), spec.maxSessions(), spec.expectedOutcome(), spec.rollbackPlan(),
                            false, RequestState.PENDING, null, "", bound.policy().version(), bound.rule().name(), old.createdAt()));
                    Map<String, Object> payload = new LinkedHashMap<>(Statements.binding(amended));
                    payload.put("previousDigest", old.digest());
                    payload.put("digest", amended.digest());
                    return Requests.amend(tx.sql(), amended, tx.now())
                            .compose(done -> tx.record(new LedgerEvent("request.amended", actor.name(), "request:" + id, payload)))
                            .map(done -> id);
                })))
                .compose(this::view)
                .onSuccess(view -> events.requestFiled(view.request()))
                .recover(failure -> refused(actor, "request:" + id, failure));
    }

    public Future<RequestView> withdraw(Principal actor, UUID id) {
        return transactions.run(tx -> Requests.lock(tx.sql(), id).compose(found -> {
                    AccessRequest r = found.orElseThrow(() -> Problem.notFound("request " + id));
                    if (!r.requesterId().equals(actor.id())) {
                        throw Problem.forbidden("not_requester", "only the requester may withdraw a request");
                    }
                    if (r.state() != RequestState.PENDING) {
                        throw Problem.conflict("request_not_pending", "request is " + r.state());
                    }
                    return Requests.decide(tx.sql(), id, RequestState.WITHDRAWN, "withdrawn by requester", tx.now())
                            .compose(done -> tx.record(new LedgerEvent("request.withdrawn", actor.name(), "request:" + id,
                                    Map.of("digest", r.digest()))))
                            .map(done -> id);
                }))
                .compose(this::view)
                .recover(failure -> refused(actor, "request:" + id, failure));
    }

    // ---- decisions -------------------------------------------------------------------------------------

    /**
     * Records an approver's decision on the digest they were shown. A deny ends the request; an approval
     * that completes the quorum issues the grant in the same transaction.
     */
    public Future<RequestView> decide(Principal actor, UUID id, Decision decision, String digest, String comment) {
        return transactions.run(tx -> Requests.lock(tx.sql(), id).compose(found -> {
                    AccessRequest r = found.orElseThrow(() -> Problem.notFound("request " + id));
                    if (!actor.has(Role.APPROVER)) {
                        throw Problem.forbidden("forbidden_role", "only a principal with role 'approver' may decide requests");
                    }
                    if (actor.has(Role.AUDITOR)) {
                        throw Problem.forbidden("separation_of_duties", "an auditor cannot approve or deny requests");
                    }
                    if (actor.id().equals(r.requesterId())) {
                        throw Problem.forbidden("separation_of_duties", "the requester cannot decide their own request");
                    }
                    if (actor.id().equals(r.executorId())) {
                        throw Problem.forbidden("separation_of_duties", "the executor cannot decide a request they would execute");
                    }
                    if (r.state() != RequestState.PENDING) {
                        throw Problem.conflict("request_not_pending", "request is " + r.state());
                    }
                    if (!r.digest().equals(digest)) {
                        throw Problem.conflict("digest_mismatch", "the request changed since you reviewed it: its digest is now "
                                + r.digest() + "; review it again");
                    }
                    Policy current = policy.get();
                    return Targets.byId(tx.sql(), r.targetId()).compose(target -> Principals.byId(tx.sql(), r.executorId())
                            .compose(executor -> {
                                PolicyRule rule = current.evaluate(new RequestFacts(r.environment(), r.changeClass().wire(),
                                        target.orElseThrow().tags(), executor.orElseThrow().kind().wire()));
                                if (!(rule.tier() instanceof Tier.Approvals tier)) {
                                    throw Problem.conflict("policy_changed", "under policy " + current.version()
                                            + " this request is no longer decided by approvals (rule " + rule.name() + ")");
                                }
                                if (!eligible(actor, tier, current)) {
                                    throw Problem.forbidden("not_eligible", "approvals under policy rule " + rule.name()
                                            + " count only from the groups " + tier.groups());
                                }
                                return record(tx, actor, r, decision, comment, current, rule, tier);
                            }));
                }))
                .compose(this::view)
                .onSuccess(view -> {
                    if (view.grant() != null && view.request().state() == RequestState.APPROVED) {
                        events.grantIssued(view.grant());
                    }
                })
                .recover(failure -> refused(actor, "request:" + id, failure));
    }

    private static boolean eligible(Principal approver, Tier.Approvals tier, Policy policy) {
        return tier.groups().isEmpty() || approver.groups().stream().anyMatch(tier.groups()::contains)
                || (tier.customerSignoff() && approver.groups().contains(policy.signoffGroup()));
    }

    private Future<UUID> record(Tx tx, Principal actor, AccessRequest r, Decision decision, String comment,
                                       Policy current, PolicyRule rule, Tier.Approvals tier) {
        return Approvals.forRequest(tx.sql(), r.id()).compose(previous -> {
            boolean already = previous.stream().anyMatch(a -> a.approverId().equals(actor.id()) && a.requestDigest().equals(r.digest()));
            if (already) {
                throw Problem.conflict("already_decided", "you already decided this version of the request; one approver counts once");
            }
            Approval unsigned = new Approval(UUID.randomUUID(), r.id(), actor.id(), actor.name(), decision, r.digest(),
                    comment == null ? "" : comment, tx.now(), key.keyId(), "");
            Approval approval = unsigned.signed(key.sign(Statements.approval(unsigned, current.version())));
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("approval", approval.id().toString());
            payload.put("decision", decision.wire());
            payload.put("digest", r.digest());
            payload.put("policyVersion", current.version());
            payload.put("policyRule", rule.name());
            payload.put("keyId", approval.keyId());
            payload.put("signature", approval.signature());
            Future<?> stored = Approvals.insert(tx.sql(), approval)
                    .compose(done -> tx.record(new LedgerEvent("approval.recorded", actor.name(), "request:" + r.id(), payload)));
            if (decision == Decision.DENY) {
                return stored.compose(done -> Requests.decide(tx.sql(), r.id(), RequestState.DENIED, "denied by " + actor.name(), tx.now()))
                        .compose(done -> tx.record(new LedgerEvent("request.denied", actor.name(), "request:" + r.id(),
                                Map.of("digest", r.digest()))))
                        .map(done -> r.id());
            }
            List<Approval> counting = new ArrayList<>();
            for (Approval a : previous) {
                if (a.requestDigest().equals(r.digest()) && a.decision() == Decision.APPROVE) {
                    counting.add(a);
                }
            }
            counting.add(approval);
            return stored.compose(done -> quorum(tx.sql(), counting, tier, current)).compose(met -> {
                if (!met) {
                    return Future.succeededFuture(r.id());
                }
                return approveAndGrant(tx, r, "approvals", current, actor.name()).map(g -> r.id());
            });
        });
    }

    /** Counts distinct, still-eligible approvers of the current digest, and checks the customer sign-off. */
    private static Future<Boolean> quorum(SqlClient sql, List<Approval> approvals, Tier.Approvals tier, Policy policy) {
        List<Future<Optional<Principal>>> approvers = approvals.stream().map(a -> Principals.byId(sql, a.approverId())).toList();
        return Future.all(approvers).map(done -> {
            Set<UUID> counted = new HashSet<>();
            boolean signoff = false;
            for (Future<Optional<Principal>> f : approvers) {
                Principal p = f.result().orElseThrow();
                if (!p.disabled() && eligible(p, tier, policy)) {
                    counted.add(p.id());
                    signoff |= p.groups().contains(policy.signoffGroup());
                }
            }
            return counted.size() >= tier.count() && (!tier.customerSignoff() || signoff);
        });
    }

    /** Marks the request APPROVED and issues its signed grant, in {@code tx}. */
    private Future<Grant> approveAndGrant(Tx tx, AccessRequest r, String basis, Policy current, String actor) {
        Grant unsigned = new Grant(UUID.randomUUID(), r.id(), r.digest(), r.executorId(), r.targetId(), r.scope(), r.window(),
                r.maxSessions(), "break-glass".equals(basis), current.version(), basis, tx.now(), key.keyId(), "",
                GrantState.SCHEDULED, null, null);
        Grant grant = unsigned.signed(key.sign(Statements.grant(unsigned)));
        Map<String, Object> payload = new LinkedHashMap<>(Statements.grant(grant));
        payload.put("signature", grant.signature());
        return Requests.decide(tx.sql(), r.id(), RequestState.APPROVED, "approved (" + basis + ")", tx.now())
                .compose(done -> tx.record(new LedgerEvent("request.approved", actor, "request:" + r.id(),
                        Map.of("digest", r.digest(), "basis", basis))))
                .compose(done -> Grants.insert(tx.sql(), grant))
                .compose(done -> tx.record(new LedgerEvent("grant.issued", "broker", "grant:" + grant.id(), payload)))
                .map(done -> grant);
    }

    // ---- grants and break-glass reviews ---------------------------------------------------------------

    /** Revokes a grant early: it moves to CLOSING at once and the closing work runs. */
    public Future<Grant> revoke(Principal actor, UUID grantId, String reason) {
        if (!actor.has(Role.APPROVER) && !actor.has(Role.ADMIN)) {
            return refused(actor, "grant:" + grantId,
                    Problem.forbidden("forbidden_role", "only an approver or an admin may revoke a grant"));
        }
        // Lock the row first: the window timer may be activating this grant at this very moment.
        return transactions.run(tx -> Grants.lock(tx.sql(), grantId).compose(locked -> Grants.byId(tx.sql(), grantId)).compose(found -> {
                    Grant g = found.orElseThrow(() -> Problem.notFound("grant " + grantId));
                    if (!g.state().isOpen()) {
                        throw Problem.conflict("grant_not_open", "grant is already " + g.state());
                    }
                    return Grants.transition(tx.sql(), g.id(), g.state(), GrantState.CLOSING, "revoked", tx.now()).compose(moved -> {
                        if (!moved) {
                            throw Problem.conflict("grant_not_open", "grant changed state concurrently; try again");
                        }
                        return tx.record(new LedgerEvent("grant.revoked", actor.name(), "grant:" + g.id(),
                                        Map.of("from", g.state().name(), "reason", reason == null ? "" : reason)))
                                .compose(done -> Grants.byId(tx.sql(), g.id())).map(Optional::orElseThrow);
                    });
                }))
                .onSuccess(events::grantClosing)
                .recover(failure -> refused(actor, "grant:" + grantId, failure));
    }

    public Future<io.vertx.core.json.JsonObject> closeReview(Principal actor, UUID reviewId, String outcome, String note) {
        if (!actor.has(Role.APPROVER) && !actor.has(Role.ADMIN)) {
            return refused(actor, "review:" + reviewId,
                    Problem.forbidden("forbidden_role", "only an approver or an admin may review break-glass"));
        }
        return transactions.run(tx -> BreakGlassReviews.byId(tx.sql(), reviewId).compose(found -> {
                    var review = found.orElseThrow(() -> Problem.notFound("break-glass review " + reviewId));
                    if (actor.name().equals(review.getString("requester"))) {
                        throw Problem.forbidden("separation_of_duties", "the requester cannot review their own break-glass");
                    }
                    return Requests.byId(tx.sql(), UUID.fromString(review.getString("requestId"))).compose(request -> {
                        if (request.isPresent() && request.get().executorId().equals(actor.id())) {
                            throw Problem.forbidden("separation_of_duties", "the executor cannot review their own break-glass");
                        }
                        return BreakGlassReviews.close(tx.sql(), reviewId, actor.id(), outcome, note, tx.now());
                    }).compose(closed -> {
                        if (!closed) {
                            throw Problem.conflict("review_closed", "this break-glass review is already closed");
                        }
                        return tx.record(new LedgerEvent("breakglass.reviewed", actor.name(), "request:" + review.getString("requestId"),
                                        Map.of("review", reviewId.toString(), "outcome", outcome, "note", note == null ? "" : note)))
                                .compose(done -> BreakGlassReviews.byId(tx.sql(), reviewId)).map(Optional::orElseThrow);
                    });
                }))
                .recover(failure -> refused(actor, "review:" + reviewId, failure));
    }

    // ---- reading ---------------------------------------------------------------------------------------

    /** Reads after commit, outside the transaction, so the ledger lock is not held for them. */
    private Future<RequestView> view(UUID id) {
        return view(transactions.pool(), id);
    }

    public Future<RequestView> view(SqlClient sql, UUID id) {
        return Requests.byId(sql, id).compose(found -> {
            if (found.isEmpty()) {
                return Future.failedFuture(Problem.notFound("request " + id));
            }
            AccessRequest r = found.get();
            Future<Optional<Principal>> requester = Principals.byId(sql, r.requesterId());
            Future<Optional<Principal>> executor = Principals.byId(sql, r.executorId());
            Future<Optional<Target>> target = Targets.byId(sql, r.targetId());
            Future<List<Approval>> approvals = Approvals.forRequest(sql, id);
            Future<Optional<Grant>> grant = Grants.forRequest(sql, id);
            return Future.all(List.of(requester, executor, target, approvals, grant)).map(done -> {
                Policy current = policy.get();
                Target t = target.result().orElseThrow();
                Principal e = executor.result().orElseThrow();
                PolicyRule rule = current.evaluate(new RequestFacts(r.environment(), r.changeClass().wire(), t.tags(), e.kind().wire()));
                int required = rule.tier() instanceof Tier.Approvals a ? a.count() : 0;
                boolean signoff = rule.tier() instanceof Tier.Approvals a && a.customerSignoff();
                String tier = r.emergency() ? "break-glass" : rule.tier().kind();
                return new RequestView(r, requester.result().map(Principal::name).orElse("?"), e.name(), t.name(), tier,
                        required, signoff, approvals.result(), grant.result().orElse(null));
            });
        });
    }

    /** Records a refusal (a {@link Problem}) in the ledger and fails with it; other failures pass through. */
    private <T> Future<T> refused(Principal actor, String subject, Throwable failure) {
        return Roles.refused(transactions, actor, subject, failure);
    }
}
