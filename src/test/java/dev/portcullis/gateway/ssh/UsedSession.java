package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;

/** Waits, by the gateway's own lifecycle events, until a grant's session has been ended and recorded. */
final class UsedSession {

    private UsedSession() {
    }

    static void awaitEnded(GatewayFixture fx, Grant grant) throws InterruptedException {
        fx.awaitLifecycle(e -> "ENDED".equals(e.getString("state")) && grant.id().toString().equals(e.getString("grant")));
    }
}
