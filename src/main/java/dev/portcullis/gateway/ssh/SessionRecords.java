package dev.portcullis.gateway.ssh;

import dev.portcullis.access.Verdict;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.credentials.local.CertificateExtension;
import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.credentials.local.SshUserCertificate;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.SshScope;
import dev.portcullis.domain.Target;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.PolicyRule;
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
 * The session row and its ledger entries: opened (with the certificate it was issued) in one transaction
 * that also re-counts the grant's sessions under the grant's row lock — so two vendors racing for the last
 * session cannot both get it — and ended with the recording's digest and byte counts.
 */
final class SessionRecords {

    /** A session row just opened, and the credential minted for it. */
    record Opened(UUID id, KeyPair key, SshUserCertificate certificate) {
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
    private final LocalSshCertificateAuthority ca;
    private final Supplier<Policy> policy;
    private final String node;

    SessionRecords(Transactions transactions, GrantVerifier verifier, LocalSshCertificateAuthority ca, Supplier<Policy> policy,
                   String node) {
        this.transactions = transactions;
        this.verifier = verifier;
        this.ca = ca;
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

    Future<Opened> open(Grant grant, Target target, Principal executor, String unixUser, Action action, boolean recordInput) {
        return transactions.run(tx -> Grants.lock(tx.sql(), grant.id())
                .compose(locked -> Sessions.countForGrant(tx.sql(), grant.id())).compose(used -> {
            if (used >= grant.maxSessions()) {
                return Future.failedFuture(new Exhausted(used, grant.maxSessions()));
            }
            return Sessions.open(tx.sql(), grant.id(), "ssh", node, tx.now()).compose(id -> {
                Opened opened;
                try {
                    KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
                    SshUserCertificate cert = ca.certify(key.getPublic(), List.of(unixUser),
                            "portcullis session " + id + " grant " + grant.id() + " for " + executor.name(),
                            grant.window().notAfter(), extensions((SshScope) grant.scope()));
                    opened = new Opened(id, key, cert);
                } catch (GeneralSecurityException | RuntimeException e) {
                    return Future.failedFuture(e);
                }
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("protocol", "ssh");
                payload.put("grant", grant.id().toString());
                payload.put("requestDigest", grant.requestDigest());
                payload.put("target", target.name());
                payload.put("unixUser", unixUser);
                payload.put("action", action.describe());
                payload.put("node", node);
                payload.put("certificateSerial", opened.certificate().serialText());
                payload.put("certificateValidBefore", opened.certificate().validBefore().toString());
                payload.put("recordInput", recordInput);
                return tx.record(new LedgerEvent("session.started", executor.name(), "session:" + id, payload)).map(opened);
            });
        })).recover(failure -> {
            if (failure instanceof Exhausted exhausted) {
                Verdict.Refused refused = new Verdict.Refused(RefusalReason.SESSIONS_EXHAUSTED,
                        exhausted.used + " of " + exhausted.max + " used", grant.id());
                return verifier.recordRefusal(new GrantVerifier.Attempt(executor, target.name(), action, grant.id(), true), refused)
                        .compose(done -> Future.failedFuture(new Refusal("portcullis: refused: " + refused.message())));
            }
            return Future.failedFuture(failure);
        });
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

    /** Aborts the opening transaction when the grant's sessions are used up. */
    private static final class Exhausted extends RuntimeException {
        final int used;
        final int max;

        Exhausted(int used, int max) {
            super("sessions used up", null, false, false);
            this.used = used;
            this.max = max;
        }
    }
}
