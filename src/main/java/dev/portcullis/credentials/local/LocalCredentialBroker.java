package dev.portcullis.credentials.local;

import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.credentials.HttpCredential;
import dev.portcullis.credentials.SshCertificateRequest;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import io.vertx.core.Future;

import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;

/**
 * The zero-setup broker: SSH certificates from the broker's own CA. It hands out no leases, so it has nothing
 * to revoke; HTTP secrets and database credentials need Vault.
 */
public final class LocalCredentialBroker implements CredentialBroker {

    private final LocalSshCertificateAuthority ca;

    public LocalCredentialBroker(LocalSshCertificateAuthority ca) {
        this.ca = ca;
    }

    @Override
    public String issuer() {
        return "local";
    }

    @Override
    public Future<String> userCaKey() {
        return Future.succeededFuture(ca.publicKeyLine());
    }

    @Override
    public Future<IssuedCertificate> certify(Target target, SshCertificateRequest request) {
        // Signing one certificate is a few microseconds of CPU: no need to leave the event loop.
        try {
            return Future.succeededFuture(new IssuedCertificate(ca.certify(request.publicKey(), List.of(request.principal()),
                    request.keyId(), request.notAfter(), request.extensions()), issuer()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Future.failedFuture(new CredentialUnavailable("local_ca_error", "the built-in CA could not sign: " + e.getMessage(), e));
        }
    }

    @Override
    public Future<HttpCredential> credential(Target target, Grant grant) {
        return Future.failedFuture(new CredentialUnavailable("credential_not_configured",
                "the local credential broker holds no HTTP secret for " + target.name()));
    }

    @Override
    public Future<DatabaseCredential> databaseCredential(Target target, Grant grant) {
        return Future.failedFuture(new CredentialUnavailable("credential_not_configured",
                "database credentials need credentials.broker: vault"));
    }

    @Override
    public Future<Void> revoke(String leaseId) {
        return Future.failedFuture(new CredentialUnavailable("credential_not_configured", "the local broker issues no leases"));
    }

    @Override
    public Future<Boolean> leaseAlive(String leaseId) {
        // Never "gone": a lease left from when Vault was configured must stay visible, not be taken as revoked.
        return Future.failedFuture(new CredentialUnavailable("credential_not_configured", "the local broker cannot look up Vault leases"));
    }

    @Override
    public Future<Map<String, String>> brokerSecret(String mount, String path) {
        return Future.failedFuture(new CredentialUnavailable("credential_not_configured", "the local broker keeps no KV secrets"));
    }

    @Override
    public Future<Void> ready() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }
}
