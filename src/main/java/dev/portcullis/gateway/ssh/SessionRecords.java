package dev.portcullis.gateway.ssh;

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
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Requests;
import dev.portcullis.store.Sessions;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The session row and its ledger entries: opened (with the certificate it was issued) in one transaction
 * that also re-counts the grant's sessions under the ledger lock — so two vendors racing for the last
 * session cannot both get it — and ended with the recording's digest and byte counts.
 */
final class SessionRecords {

    /** A session row just opened, and the credential minted for it. */
    record Opened(UUID id, KeyPair key, SshUserCertificate certificate) {
        KeyPair identity() {
            return certificate.asIdentity(key.getPrivate());
        }
    }

    private final Transactions transactions;
    private final LocalSshCertificateAuthority ca;
    private final Supplier<Policy> policy;
    private final String node;

    SessionRecords(Transactions transactions, LocalSshCertificateAuthority ca, Supplier<Policy> policy, String node) {
        this.transactions = transactions;
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
        return transactions.run(tx -> Sessions.countForGrant(tx.sql(), grant.id()).compose(used -> {
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
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("reason", RefusalReason.SESSIONS_EXHAUSTED.code());
                payload.put("message", exhausted.getMessage());
                payload.put("target", target.name());
                payload.put("action", action.describe());
                payload.put("grant", grant.id().toString());
                return transactions.record(new LedgerEvent("access.refused", executor.name(), "grant:" + grant.id(), payload))
                        .compose(done -> Future.failedFuture(new Refusal("portcullis: refused: " + exhausted.getMessage())));
            }
            return Future.failedFuture(failure);
        });
    }

    /** Ends the row (if still open) and ledgers how: reason, recording digest and sizes, bytes each way. */
    Future<Void> end(UUID id, Grant grant, String reason, String actor, Map<String, Object> details) {
        return transactions.run(tx -> Sessions.end(tx.sql(), id, reason, tx.now()).compose(ended -> {
            if (!ended) {
                return Future.succeededFuture();
            }
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("reason", reason);
            payload.put("grant", grant.id().toString());
            payload.putAll(details);
            return tx.record(new LedgerEvent("session.ended", actor, "session:" + id, payload)).mapEmpty();
        }));
    }

    // Only what the scope grants: a terminal always (a shell needs one), port forwarding only when allowed;
    // never agent or X11 forwarding, nor user rc files.
    private static Set<CertificateExtension> extensions(SshScope scope) {
        Set<CertificateExtension> granted = EnumSet.of(CertificateExtension.PERMIT_PTY);
        if (scope.forwarding()) {
            granted.add(CertificateExtension.PERMIT_PORT_FORWARDING);
        }
        return granted;
    }

    private static final class Exhausted extends RuntimeException {
        Exhausted(int used, int max) {
            super(RefusalReason.SESSIONS_EXHAUSTED.message() + ": " + used + " of " + max + " used", null, false, false);
        }
    }
}
