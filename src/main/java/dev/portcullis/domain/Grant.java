package dev.portcullis.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * The broker's signed statement that {@code executorId} may act on {@code targetId} within {@code scope}
 * and {@code window}, issued for the request whose digest is {@code requestDigest}.
 */
public record Grant(UUID id, UUID requestId, String requestDigest, UUID executorId, UUID targetId, Scope scope,
                    Window window, int maxSessions, boolean breakGlass, String policyVersion, String basis,
                    Instant issuedAt, String keyId, String signature, GrantState state, String closeReason,
                    Instant closedAt) {

    public Grant signed(String newSignature) {
        return new Grant(id, requestId, requestDigest, executorId, targetId, scope, window, maxSessions, breakGlass,
                policyVersion, basis, issuedAt, keyId, newSignature, state, closeReason, closedAt);
    }

    public Grant withState(GrantState newState, String newCloseReason) {
        return new Grant(id, requestId, requestDigest, executorId, targetId, scope, window, maxSessions, breakGlass,
                policyVersion, basis, issuedAt, keyId, signature, newState, newCloseReason, closedAt);
    }
}
