package dev.portcullis.domain;

/**
 * Why an attempt to use a grant was refused. The code is the same in the API answer, the metric
 * label and the ledger entry.
 */
public enum RefusalReason {
    NO_GRANT("no_grant", "no grant for this identity and target"),
    UNKNOWN_IDENTITY("unknown_identity", "the identity is not registered or is disabled"),
    UNKNOWN_TARGET("unknown_target", "the target is not registered"),
    WRONG_EXECUTOR("wrong_executor", "the grant belongs to another identity"),
    WRONG_TARGET("wrong_target", "the grant is for another target"),
    NOT_YET_ACTIVE("not_yet_active", "the grant's window has not opened yet"),
    WINDOW_CLOSED("window_closed", "the grant's window has closed"),
    REVOKED("revoked", "the grant was revoked"),
    OUT_OF_SCOPE("out_of_scope", "the action is outside the grant's scope"),
    DIGEST_MISMATCH("digest_mismatch", "the request changed after approval"),
    BAD_SIGNATURE("bad_signature", "the grant's signature does not verify"),
    SESSIONS_EXHAUSTED("sessions_exhausted", "the grant's session count is used up"),
    UNAVAILABLE("unavailable", "the broker cannot verify grants right now");

    private final String code;
    private final String message;

    RefusalReason(String code, String message) {
        this.code = code;
        this.message = message;
    }

    public String code() {
        return code;
    }

    public String message() {
        return message;
    }
}
