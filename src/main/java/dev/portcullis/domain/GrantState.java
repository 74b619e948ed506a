package dev.portcullis.domain;

/**
 * SCHEDULED ──notBefore──▶ ACTIVE ──notAfter / revoke──▶ CLOSING ──all confirmed──▶ CLOSED,
 * or CLOSE_FAILED when a revocation could not be confirmed (alerted, retried).
 */
public enum GrantState {
    SCHEDULED, ACTIVE, CLOSING, CLOSED, CLOSE_FAILED;

    /** Whether the grant can still be used once its window allows. */
    public boolean isOpen() {
        return this == SCHEDULED || this == ACTIVE;
    }
}
