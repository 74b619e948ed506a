package dev.portcullis.sessions;

/**
 * Aborts a session-opening transaction when the grant's sessions are used up (re-counted under the grant's row
 * lock); the gateway then ledgers the refusal as {@code sessions_exhausted}. No stack trace: it is an answer, not
 * an error.
 */
public final class SessionsExhausted extends RuntimeException {

    private final int used;
    private final int max;

    public SessionsExhausted(int used, int max) {
        super("sessions used up", null, false, false);
        this.used = used;
        this.max = max;
    }

    public int used() {
        return used;
    }

    public int max() {
        return max;
    }
}
