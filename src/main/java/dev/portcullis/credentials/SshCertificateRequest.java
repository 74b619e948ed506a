package dev.portcullis.credentials;

import dev.portcullis.credentials.local.CertificateExtension;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What the SSH gateway asks to have certified: the session's ephemeral public key, for one unix user, under a
 * key id naming session and grant, until {@code notAfter} (the window's end: certificates cannot be revoked,
 * so their lifetime is the only bound), with only the extensions the scope grants.
 */
public record SshCertificateRequest(PublicKey publicKey, String principal, String keyId, Instant notAfter,
                                    Set<CertificateExtension> extensions) {

    public SshCertificateRequest {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(notAfter, "notAfter");
        if (principal == null || principal.isBlank() || principal.contains(",")) {
            throw new IllegalArgumentException("a certificate is issued for exactly one unix user, got '" + principal + "'");
        }
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("a certificate needs a key id");
        }
        extensions = Set.copyOf(extensions);
    }
}
