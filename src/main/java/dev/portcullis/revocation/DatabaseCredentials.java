package dev.portcullis.revocation;

import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.GrantState;
import dev.portcullis.domain.Target;
import dev.portcullis.store.Grants;
import dev.portcullis.store.Leases;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Hands out dynamic database credentials on an active grant and records their lease. The lease row is written
 * under the grant's row lock and only while the grant is ACTIVE, so a grant that starts closing meanwhile either
 * sees the lease (and revokes it) or the credential is revoked here at once: none slips through.
 */
public final class DatabaseCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCredentials.class);

    private final Transactions transactions;
    private final CredentialBroker credentials;

    public DatabaseCredentials(Transactions transactions, CredentialBroker credentials) {
        this.transactions = transactions;
        this.credentials = credentials;
    }

    public Future<DatabaseCredential> issue(Target target, Grant grant, UUID sessionId, String actor) {
        return credentials.databaseCredential(target, grant).compose(credential -> transactions.run(tx -> Grants.lock(tx.sql(), grant.id())
                        .compose(locked -> Grants.byId(tx.sql(), grant.id()))
                        .compose(current -> {
                            if (current.isEmpty() || current.get().state() != GrantState.ACTIVE) {
                                return Future.failedFuture(new CredentialUnavailable("window_closed", "the grant is no longer active"));
                            }
                            Map<String, Object> payload = new LinkedHashMap<>();
                            payload.put("lease", credential.leaseId());
                            payload.put("grant", grant.id().toString());
                            payload.put("target", target.name());
                            payload.put("kind", "database");
                            payload.put("issuer", credentials.issuer());
                            payload.put("username", credential.username());
                            payload.put("expiresAt", String.valueOf(credential.expiresAt()));
                            return Leases.insert(tx.sql(), credential.leaseId(), grant.id(), sessionId, target.id(), "database",
                                            credentials.issuer(), credential.username(), tx.now(), credential.expiresAt())
                                    .compose(v -> tx.record(new LedgerEvent("lease.issued", actor, "lease:" + credential.leaseId(), payload)));
                        }))
                .map(credential)
                .recover(failure -> {
                    // Not recorded means nobody would revoke it: revoke it now (its TTL bounds it if this fails too).
                    LOG.warn("database credential under lease {} not recorded ({}); revoking it", credential.leaseId(), failure.getMessage());
                    return credentials.revoke(credential.leaseId()).transform(r -> Future.failedFuture(failure));
                }));
    }
}
