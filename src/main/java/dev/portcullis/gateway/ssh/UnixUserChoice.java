package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.SshScope;
import dev.portcullis.store.Grants;
import dev.portcullis.store.Targets;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.LinkedHashSet;
import java.util.Set;

/** Which unix user a connection logs in as on the target when the vendor did not say ({@code <user>+<target>}). */
final class UnixUserChoice {

    private UnixUserChoice() {
    }

    /** The unix user asked for, or the only one the vendor's open grants on the target allow. */
    static Future<String> choose(Pool pool, Principal who, LoginName login) {
        if (login.unixUser().isPresent()) {
            return Future.succeededFuture(login.unixUser().get());
        }
        return Targets.byName(pool, login.target()).compose(found -> {
            if (found.isEmpty()) {
                return Future.succeededFuture("-");
            }
            return Grants.forExecutorAndTarget(pool, who.id(), found.get().id()).compose(grants -> {
                Set<String> open = new LinkedHashSet<>();
                for (Grant g : grants) {
                    if (g.state().isOpen() && g.scope() instanceof SshScope ssh) {
                        open.addAll(ssh.principals());
                    }
                }
                if (open.size() > 1) {
                    return Future.failedFuture(new Refusal("portcullis: your grant on " + login.target()
                            + " allows several unix users " + open + "; connect as <user>" + LoginName.SEPARATOR
                            + login.target() + "@<broker>, e.g. ssh " + open.iterator().next() + LoginName.SEPARATOR
                            + login.target() + "@<broker>"));
                }
                if (open.size() == 1) {
                    return Future.succeededFuture(open.iterator().next());
                }
                // No open grant: the verifier will say why; name the user of the latest grant, if any.
                return Future.succeededFuture(grants.stream().map(Grant::scope).filter(SshScope.class::isInstance)
                        .map(s -> ((SshScope) s).principals().get(0)).findFirst().orElse("-"));
            });
        });
    }

}
