package dev.portcullis.gateway.ssh;

import dev.portcullis.access.Verdict;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.credentials.local.CertificateExtension;
import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.SshCertificateRequest;
import dev.portcullis.credentials.local.SshUserCertificate;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.SshScope;
import dev.portcullis.domain.Target;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.PolicyRule;
import dev.portcullis.sessions.SessionsExhausted;
import dev.portcullis.store.Grants;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Sessions;
import dev.portcullis.store.Transactions;
import dev.portcullis.store.Tx;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The session row and its ledger entries: opened under the grant's row lock, which also re-counts the grant's
 * sessions — so two vendors racing for the last session cannot both get it — then certified by the credential
 * broker and ledgered with the certificate it was issued; ended with the recording's digest and byte counts.
 */
final class SessionRecords {

    /** A session row just opened, and the credential minted for it. */
    record Opened(UUID id, KeyPair key, SshUserCertificate certificate, String issuer) {
        KeyPair identity() {
            return certificate.asIdentity(key.getPrivate());
        }
    }

    /** Bounds one transaction's size when very many sessions end at once. */
    static final int MAX_ENDS_PER_TRANSACTION = 256;

    private final Transactions transactions;
    private final GrantVerifier verifier;
    private final Queue<PendingEnd> pendingEnds = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private static final Logger LOG = LoggerFactory.getLogger(SessionRecords.class);

    private final CredentialBroker credentials;
    private final Supplier<Policy> policy;
    private final String node;

    SessionRecords(Transactions transactions, GrantVerifier verifier, CredentialBroker credentials, Supplier<Policy> policy,
                   String node) {
        this.transactions = transactions;
        this.verifier = verifier;
        this.credentials = credentials;
        this.policy = policy;
        this.node = node;
    }

    /** Whether the policy rule that governed the grant's request records keystrokes; when unsure, it does. */
    Future<Boolean> recordsInput(Grant grant) {
        return Requests.byId(transactions.pool(), grant.requestId()).map(request -> request
                .flatMap(r -> policy.get().rules().stream().filter(rule -> rule.name().equals(r.policyRule())).findFirst())
                .map(PolicyRule::recordInput)
                .orElse(true));
    }

    /**
     * Opens the session in three steps so that no Vault call runs while the grant's row is locked: (1) under the
     * lock, re-count the grant's sessions and insert the row; (2) get the ephemeral key certified, valid until
     * the window's end at the latest; (3) ledger {@code session.started} with the certificate's serial and issuer.
     * If no certificate can be had the row is ended {@code refused}, the reason ledgered, and the vendor told in
     * one line — no credential-less attempt is ever made upstream.
     */
    Future<Opened> open(Grant grant, Target target, Principal executor, String unixUser, Action action, boolean recordInput) {
        return transactions.run(tx -> Grants.lock(tx.sql(), grant.id())
                .compose(locked -> Sessions.countForGrant(tx.sql(), grant.id())).compose(used -> {
            if (used >= grant.maxSessions()) {
                return Future.failedFuture(new SessionsExhausted(used, grant.maxSessions()));
            }
            return Sessions.open(tx.sql(), grant.id(), grant.requestDigest(), "ssh", node, tx.now());
        })).recover(failure -> {
            if (failure instanceof SessionsExhausted exhausted) {
                Verdict.Refused refused = new Verdict.Refused(RefusalReason.SESSIONS_EXHAUSTED,
                        exhausted.used() + " of " + exhausted.max() + " used", grant.id());
                return verifier.recordRefusal(new GrantVerifier.Attempt(executor, target.name(), action, grant.id(), true), refused)
                        .compose(done -> Future.failedFuture(new Refusal("portcullis: refused: " + refused.message())));
            }
            return Future.failedFuture(failure);
        }).compose(id -> certify(id, grant, target, executor, unixUser)
                .recover(failure -> refuse(id, grant, target, executor, action, failure))
                .compose(opened -> started(opened, grant, target, executor, unixUser, action, recordInput)));
    }

    private Future<Opened> certify(UUID id, Grant grant, Target target, Principal executor, String unixUser) {
        KeyPair key;
        SshCertificateRequest request;
        try {
            key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            request = new SshCertificateRequest(key.getPublic(), unixUser,
                    "portcullis session " + id + " grant " + grant.id() + " for " + executor.name(),
                    grant.window().notAfter(), extensions((SshScope) grant.scope()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Future.failedFuture(e);
        }
        return credentials.certify(target, request).map(issued -> new Opened(id, key, issued.certificate(), issued.issuer()));
    }

    private Future<Opened> started(Opened opened, Grant grant, Target target, Principal executor, String unixUser, Action action,
                                   boolean recordInput) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("protocol", "ssh");
        payload.put("grant", grant.id().toString());
        payload.put("requestDigest", grant.requestDigest());
        payload.put("target", target.name());
        payload.put("unixUser", unixUser);
        payload.put("action", action.describe());
        payload.put("node", node);
        payload.put("certificateSerial", opened.certificate().serialText());
        payload.put("certificateIssuer", opened.issuer());
        payload.put("certificateValidBefore", opened.certificate().validBefore().toString());
        payload.put("recordInput", recordInput);
        String credential = opened.issuer() + " certificate serial " + opened.certificate().serialText();
        return transactions.run(tx -> Sessions.credential(tx.sql(), opened.id(), credential)
                        .compose(v -> tx.record(new LedgerEvent("session.started", executor.name(), "session:" + opened.id(), payload))))
                .map(opened)
                .recover(failure -> transactions.run(tx -> Sessions.end(tx.sql(), opened.id(), "error", tx.now()))
                        .transform(ended -> Future.failedFuture(failure)));
    }

    /** Ends the just-opened row {@code refused} and ledgers why; the vendor gets one line naming the reason. */
    private Future<Opened> refuse(UUID id, Grant grant, Target target, Principal executor, Action action, Throwable failure) {
        CredentialUnavailable unavailable = failure instanceof CredentialUnavailable u ? u
                : new CredentialUnavailable("credential_error", "the certificate could not be issued");
        if (!(failure instanceof CredentialUnavailable)) {
            LOG.warn("session {}: certificate not issued", id, failure);
        }
        Map<String, Object> refusal = new LinkedHashMap<>();
        refusal.put("reason", unavailable.code());
        refusal.put("message", "credentials unavailable: " + unavailable.getMessage());
        refusal.put("target", target.name());
        refusal.put("action", action.describe());
        refusal.put("grant", grant.id().toString());
        refusal.put("session", id.toString());
        Map<String, Object> ended = new LinkedHashMap<>();
        ended.put("reason", "refused");
        ended.put("grant", grant.id().toString());
        ended.put("code", unavailable.code());
        ended.put("detail", unavailable.getMessage());
        return transactions.run(tx -> Sessions.end(tx.sql(), id, "refused", tx.now())
                        .compose(v -> tx.record(new LedgerEvent("access.refused", executor.name(), "grant:" + grant.id(), refusal)))
                        .compose(v -> tx.record(new LedgerEvent("session.ended", "broker", "session:" + id, ended))))
                .transform(recorded -> Future.failedFuture(
                        new Refusal("portcullis: refused: credentials unavailable: " + unavailable.getMessage())));
    }

    /**
     * Ends the row (if still open) and ledgers how: reason, recording digest and sizes, bytes each way. Ends that
     * arrive while a transaction is writing are written together by the next one — one ledger lock and one
     * commit for a whole grant's worth of cut sessions rather than one each — so a thousand sessions cut at
     * once are all recorded ended within moments, not one after another.
     */
    Future<Void> end(UUID id, Grant grant, String reason, String actor, Map<String, Object> details) {
        PendingEnd end = new PendingEnd(id, grant, reason, actor, details, Promise.promise());
        pendingEnds.add(end);
        flushEnds();
        return end.done().future();
    }

    private record PendingEnd(UUID id, Grant grant, String reason, String actor, Map<String, Object> details,
                              Promise<Void> done) {
    }

    private void flushEnds() {
        if (!flushing.compareAndSet(false, true)) {
            return;
        }
        List<PendingEnd> batch = new ArrayList<>();
        for (PendingEnd e; batch.size() < MAX_ENDS_PER_TRANSACTION && (e = pendingEnds.poll()) != null; ) {
            batch.add(e);
        }
        if (batch.isEmpty()) {
            flushing.set(false);
            if (!pendingEnds.isEmpty()) {
                flushEnds();
            }
            return;
        }
        transactions.run(tx -> {
            Future<Void> chain = Future.succeededFuture();
            for (PendingEnd e : batch) {
                chain = chain.compose(v -> endIn(tx, e));
            }
            return chain;
        }).onComplete(done -> {
            for (PendingEnd e : batch) {
                if (done.succeeded()) {
                    e.done().complete();
                } else {
                    e.done().fail(done.cause());
                }
            }
            flushing.set(false);
            flushEnds();
        });
    }

    private Future<Void> endIn(Tx tx, PendingEnd e) {
        return Sessions.end(tx.sql(), e.id(), e.reason(), tx.now()).compose(ended -> {
            if (!ended) {
                return Future.succeededFuture();
            }
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("reason", e.reason());
            payload.put("grant", e.grant().id().toString());
            payload.putAll(e.details());
            return tx.record(new LedgerEvent("session.ended", e.actor(), "session:" + e.id(), payload)).mapEmpty();
        });
    }

    // Only what the scope grants: a terminal always (a shell needs one), port and agent forwarding only when
    // the scope allows forwarding; never X11 forwarding, nor user rc files.
    static Set<CertificateExtension> extensions(SshScope scope) {
        Set<CertificateExtension> granted = EnumSet.of(CertificateExtension.PERMIT_PTY);
        if (scope.forwarding()) {
            granted.add(CertificateExtension.PERMIT_PORT_FORWARDING);
            granted.add(CertificateExtension.PERMIT_AGENT_FORWARDING);
        }
        return granted;
    }
}
