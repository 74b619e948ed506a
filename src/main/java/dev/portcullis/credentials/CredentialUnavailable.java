package dev.portcullis.credentials;

/**
 * The credential broker could not issue a credential (Vault sealed, unreachable, too slow, refusing; a local
 * secret missing). The message is safe to show to the vendor and to ledger: it never contains a secret.
 */
public class CredentialUnavailable extends RuntimeException {

    private final String code;

    public CredentialUnavailable(String code, String message) {
        super(message);
        this.code = code;
    }

    public CredentialUnavailable(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A reason code for the ledger, metrics and API answers, e.g. {@code vault_sealed}, {@code vault_timeout}. */
    public String code() {
        return code;
    }
}
