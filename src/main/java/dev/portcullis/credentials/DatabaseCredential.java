package dev.portcullis.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * Dynamic database credentials under a lease. {@code password} is a secret: {@link #toString()} leaves it out,
 * and only {@code leaseId} and {@code username} are ever ledgered.
 */
public record DatabaseCredential(String username, String password, String leaseId, Instant expiresAt) {

    public DatabaseCredential {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(leaseId, "leaseId");
    }

    @Override
    public String toString() {
        return "DatabaseCredential[" + username + ", lease " + leaseId + " until " + expiresAt + "]";
    }
}
