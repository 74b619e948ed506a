package dev.portcullis.policy;

/** A policy document that cannot be loaded; the broker refuses to start with it. */
public final class PolicyException extends RuntimeException {
    public PolicyException(String message) {
        super(message);
    }
}
