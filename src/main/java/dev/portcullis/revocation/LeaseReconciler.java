package dev.portcullis.revocation;

import dev.portcullis.domain.Grant;
import dev.portcullis.sessions.GrantClosingHook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease revocation job: as a {@link GrantClosingHook} it revokes a closing grant's leases at once (and keeps
 * the grant from CLOSED until each is confirmed); on its own schedule — at start-up and every
 * {@code credentials.vault.reconcileSeconds} — it finishes whatever a crash, an outage or a lying revoke left
 * unfinished, on whichever node gets to the lease first.
 */
public final class LeaseReconciler implements GrantClosingHook {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseReconciler.class);

    private final Vertx vertx;
    private final LeaseRevocation revocation;
    private final Duration every;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long timer = -1;

    public LeaseReconciler(Vertx vertx, LeaseRevocation revocation, Duration every) {
        this.vertx = vertx;
        this.revocation = revocation;
        this.every = every;
    }

    @Override
    public String name() {
        return "lease revocation";
    }

    @Override
    public Future<Void> close(Grant grant, String reason) {
        return revocation.revokeGrant(grant.id());
    }

    /** Runs one pass now and then every period. The first pass does not hold up start-up. */
    public void start() {
        pass();
        timer = vertx.setPeriodic(every.toMillis(), t -> pass());
    }

    /** One pass, unless one is already running on this node; answers how many leases it tried. */
    public Future<Integer> pass() {
        if (!running.compareAndSet(false, true)) {
            return Future.succeededFuture(0);
        }
        return revocation.reconcile()
                .onSuccess(n -> {
                    if (n > 0) {
                        LOG.info("lease reconciler tried {} unfinished revocation(s)", n);
                    }
                })
                .recover(failure -> {
                    LOG.warn("lease reconciler pass failed: {}", failure.getMessage());
                    return Future.succeededFuture(0);
                })
                .eventually(() -> {
                    running.set(false);
                    return Future.succeededFuture();
                });
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
