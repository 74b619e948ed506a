package dev.portcullis.domain;

import java.time.Duration;
import java.time.Instant;

/** The half-open time interval [notBefore, notAfter) in which a grant may be used. */
public record Window(Instant notBefore, Instant notAfter) {

    public Window {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("window end must be after its start");
        }
    }

    public boolean contains(Instant at) {
        return !at.isBefore(notBefore) && at.isBefore(notAfter);
    }

    public Duration length() {
        return Duration.between(notBefore, notAfter);
    }

    /** Time left at {@code at}; zero once the window has closed. Credential TTLs never exceed it. */
    public Duration remaining(Instant at) {
        Duration left = Duration.between(at, notAfter);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
