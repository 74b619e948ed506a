package dev.portcullis.access;

import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.credentials.TargetCredential;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.domain.Target;
import dev.portcullis.revocation.DatabaseCredentials;
import dev.portcullis.store.Grants;
import dev.portcullis.store.Targets;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The executor of an active grant asks for the target's dynamic database credential. Like every action it is
 * verified at the point of execution ({@link GrantVerifier}, action {@link Action.DatabaseLogin}, which only a
 * scope with {@code database} permits); every refusal — by the verifier, for want of a {@code credential.database}
 * block, or because Vault could not issue — is ledgered as {@code access.refused} before the caller hears of it.
 *
 * <p>Not counted against the grant's {@code maxSessions}: the credential is a lease, not a session through the
 * broker; each one is ledgered ({@code lease.issued}) and revoked, confirmed, when the grant closes.
 */
public final class DatabaseAccess {

    /** Codes meaning the target is not set up for database credentials: the caller cannot fix it by retrying. */
    private static final Set<String> NOT_CONFIGURED = Set.of("credential_not_configured", "credential_misconfigured");

    private final Pool pool;
    private final GrantVerifier verifier;
    private final DatabaseCredentials credentials;

    public DatabaseAccess(Pool pool, GrantVerifier verifier, DatabaseCredentials credentials) {
        this.pool = pool;
        this.verifier = verifier;
        this.credentials = credentials;
    }

    /** The credential, or a failed future with a {@link Problem} whose code is the ledgered reason. */
    public Future<DatabaseCredential> issue(Principal caller, UUID grantId) {
        return Grants.byId(pool, grantId).compose(grant -> {
            if (grant.isEmpty()) {
                return Future.failedFuture(Problem.notFound("grant " + grantId));
            }
            return Targets.byId(pool, grant.get().targetId()).compose(target -> issue(caller, grant.get(), target.orElseThrow()));
        });
    }

    private Future<DatabaseCredential> issue(Principal caller, Grant grant, Target target) {
        Optional<TargetCredential.Database> database = databaseBlock(target);
        String role = database.map(TargetCredential.Database::role).orElse("(none)");
        GrantVerifier.Attempt attempt = new GrantVerifier.Attempt(caller, target.name(), new Action.DatabaseLogin(role), grant.id(), false);
        return verifier.verify(attempt).compose(verdict -> {
            if (verdict instanceof Verdict.Refused refused) {
                return Future.failedFuture(new Problem(status(refused.reason()), refused.reason().code(), refused.message()));
            }
            if (database.isEmpty()) {
                return refuse(attempt, grant, new CredentialUnavailable("no_database_credential",
                        "target " + target.name() + " has no usable credential.database block"));
            }
            return credentials.issue(target, grant, null, caller.name()).recover(failure -> failure instanceof CredentialUnavailable u
                    ? refuse(attempt, grant, u) : Future.failedFuture(failure));
        });
    }

    private static Optional<TargetCredential.Database> databaseBlock(Target target) {
        try {
            return TargetCredential.parse(target.credential()).database();
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // registration checks the block; an unreadable one serves nothing
        }
    }

    private Future<DatabaseCredential> refuse(GrantVerifier.Attempt attempt, Grant grant, CredentialUnavailable unavailable) {
        String code = unavailable.code();
        int status = "window_closed".equals(code) ? 403
                : "no_database_credential".equals(code) || NOT_CONFIGURED.contains(code) ? 409 : 503;
        String message = "no database credential: " + unavailable.getMessage();
        return verifier.recordRefusal(attempt, code, message, grant.id())
                .transform(recorded -> Future.failedFuture(new Problem(status, code, message)));
    }

    private static int status(RefusalReason reason) {
        return switch (reason) {
            case UNAVAILABLE -> 503;
            case NO_GRANT -> 404;
            default -> 403;
        };
    }
}
