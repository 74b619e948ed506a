package dev.portcullis.sessions;

import dev.portcullis.domain.Grant;
import io.vertx.core.Future;

/**
 * Work that must finish before a grant may be CLOSED: the SSH and HTTP gateways cut the grant's live
 * sessions, the credential brokers revoke and confirm its leases. A hook that fails (or never confirms)
 * leaves the grant CLOSE_FAILED, alerted and retried. Hooks must be idempotent: they run again on retry
 * and after a restart.
 */
public interface GrantClosingHook {

    String name();

    Future<Void> close(Grant grant, String reason);
}
