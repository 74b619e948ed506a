package dev.portcullis.access;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.Target;

import java.util.UUID;

/** What {@link GrantVerifier} decides: the grant that allows the attempt, or the precise reason it is refused. */
public sealed interface Verdict {

    record Allowed(Grant grant, Target target) implements Verdict {
    }

    /** {@code grantId} is null when no grant was involved (none exists, unknown target, …). */
    record Refused(RefusalReason reason, String detail, UUID grantId) implements Verdict {
        public String message() {
            return reason.message() + (detail == null || detail.isBlank() ? "" : ": " + detail);
        }
    }
}
