package dev.portcullis.revocation;

import java.time.Duration;

/**
 * Where revocation progress goes once the metrics registry exists: {@code portcullis_revocations_pending} (a
 * gauge set after every pass) and {@code portcullis_revocation_lag_seconds} (window end → confirmed).
 */
public interface RevocationMeter {

    RevocationMeter NONE = new RevocationMeter() {
    };

    default void pending(int leases) {
    }

    default void confirmed(Duration lag) {
    }
}
