package dev.portcullis.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * A ticket-bound request for access. The fields from {@code ticket} to {@code emergency} are the
 * binding fields: their canonical digest is what approvers sign, so changing any of them after
 * approval invalidates the approvals and the grant.
 */
public record AccessRequest(UUID id, String ticket, UUID requesterId, UUID executorId, UUID targetId,
                            Scope scope, String environment, ChangeClass changeClass, Window window,
                            int maxSessions, String expectedOutcome, String rollbackPlan, boolean emergency,
                            RequestState state, String stateReason, String digest, String policyVersion,
                            String policyRule, Instant createdAt) {

    public AccessRequest withDigest(String newDigest) {
        return new AccessRequest(id, ticket, requesterId, executorId, targetId, scope, environment, changeClass,
                window, maxSessions, expectedOutcome, rollbackPlan, emergency, state, stateReason, newDigest,
                policyVersion, policyRule, createdAt);
    }
}
