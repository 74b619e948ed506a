package dev.portcullis.support;

import dev.portcullis.access.Verdict;
import dev.portcullis.domain.RefusalReason;

import static org.assertj.core.api.Assertions.assertThat;

public final class Verdicts {

    private Verdicts() {
    }

    /** Asserts the verdict is a refusal and returns its reason. */
    public static RefusalReason refusal(Verdict verdict) {
        assertThat(verdict).isInstanceOf(Verdict.Refused.class);
        return ((Verdict.Refused) verdict).reason();
    }
}
