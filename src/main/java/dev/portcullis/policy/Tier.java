package dev.portcullis.policy;

import java.time.Duration;
import java.util.List;

/** What a matching rule yields: refuse, pre-approved automation, or a quorum of human approvals. */
public sealed interface Tier {

    String kind();

    record Deny(String reason) implements Tier {
        public String kind() {
            return "deny";
        }
    }

    /**
     * Pre-approved automation: the signed policy version is the approval. Only non-human executors,
     * optionally only exec allow-list scopes, at most {@code maxSessions}, and at most
     * {@code rateLimit} grants per executor in {@code ratePeriod}.
     */
    record Auto(boolean execOnly, int maxSessions, int rateLimit, Duration ratePeriod) implements Tier {
        public String kind() {
            return "auto";
        }
    }

    /**
     * {@code count} distinct approvers, each a member of one of {@code groups} (any approver when
     * empty); with {@code customerSignoff} at least one of them must belong to the policy's sign-off group.
     */
    record Approvals(int count, List<String> groups, boolean customerSignoff) implements Tier {
        public String kind() {
            return "approvals";
        }
    }
}
