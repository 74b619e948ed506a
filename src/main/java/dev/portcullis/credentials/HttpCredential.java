package dev.portcullis.credentials;

import java.util.Map;
import java.util.Objects;

/**
 * The credential the HTTP gateway injects into exchanges on one grant: header name to value. The values are
 * secrets and never reach a log, the ledger or a recording; {@code reference} names where they came from
 * (e.g. {@code local:crm-api} or {@code vault-kv:secret/crm v3}) and is what the ledger records instead.
 * {@code leaseId} is set when the broker handed out a lease that must be revoked when the grant closes.
 */
public record HttpCredential(Map<String, String> headers, String reference, String leaseId) {

    public HttpCredential {
        headers = Map.copyOf(headers);
        Objects.requireNonNull(reference, "reference");
    }

    @Override
    public String toString() {
        return "HttpCredential[" + headers.keySet() + " from " + reference + "]";
    }
}
