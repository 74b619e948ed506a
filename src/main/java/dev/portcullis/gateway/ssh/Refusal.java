package dev.portcullis.gateway.ssh;

/**
 * Why a session or channel did not get through, worded for the vendor's terminal (one line, prefixed
 * {@code portcullis:}). Carries no stack trace: it is an answer, not a fault.
 */
class Refusal extends RuntimeException {

    Refusal(String message) {
        super(message, null, false, false);
    }

    static String messageOf(Throwable failure) {
        if (failure instanceof Refusal) {
            return failure.getMessage();
        }
        return "portcullis: the session could not be opened (" + failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage()) + ")";
    }
}
