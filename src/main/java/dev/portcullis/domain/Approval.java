package dev.portcullis.domain;

import java.time.Instant;
import java.util.UUID;

/** One approver's signed decision over one request digest. It counts only while that digest is current. */
public record Approval(UUID id, UUID requestId, UUID approverId, String approverName, Decision decision,
                       String requestDigest, String comment, Instant decidedAt, String keyId, String signature) {

    public Approval signed(String newSignature) {
        return new Approval(id, requestId, approverId, approverName, decision, requestDigest, comment, decidedAt, keyId,
                newSignature);
    }
}
