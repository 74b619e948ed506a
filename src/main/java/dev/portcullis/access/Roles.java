package dev.portcullis.access;

import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Role;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;

import java.util.Map;

/** Role checks that refuse with a ledger entry, because a refusal is evidence too. */
public final class Roles {

    private Roles() {
    }

    static Future<Void> require(Principal actor, Role role, String what) {
        if (actor.has(role)) {
            return Future.succeededFuture();
        }
        return Future.failedFuture(Problem.forbidden("forbidden_role", "only a principal with role '" + role.wire() + "' may " + what));
    }

    /**
     * The single exit for failures of a public operation: a {@link Problem} (a refusal) is recorded in its
     * own transaction — the operation's own rolled back — and then answered; other failures pass through.
     */
    public static <T> Future<T> refused(Transactions transactions, Principal actor, String subject, Throwable failure) {
        if (!(failure instanceof Problem problem)) {
            return Future.failedFuture(failure);
        }
        return transactions.record(new LedgerEvent("refused", actor.name(), subject,
                        Map.of("code", problem.code(), "message", problem.getMessage())))
                .transform(done -> Future.failedFuture(problem));
    }
}
