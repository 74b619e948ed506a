package dev.portcullis.api;

import dev.portcullis.access.Tokens;
import dev.portcullis.domain.Principal;
import dev.portcullis.store.Principals;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.Set;

/**
 * Bearer-token authentication for every API route but the public ones. Failures answer 401 before the
 * request body is even validated, and are not ledgered: unauthenticated noise must not be able to
 * flood the evidence chain (they are logged by the access log instead).
 */
final class Authentication implements Handler<RoutingContext> {

    static final String PRINCIPAL = "portcullis.principal";
    private static final Set<String> PUBLIC = Set.of("/api/v1/openapi.yaml");

    private final Pool pool;

    Authentication(Pool pool) {
        this.pool = pool;
    }

    static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (PUBLIC.contains(ctx.request().path())) {
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() < 12) {
            ApiError.send(ctx.response(), 401, "unauthenticated", "send 'Authorization: Bearer <token>'");
            return;
        }
        String token = header.substring(7).trim();
        Principals.byTokenHash(pool, Tokens.hash(token)).onComplete(found -> {
            if (found.failed()) {
                ApiError.send(ctx.response(), 503, "unavailable", "the broker cannot reach its database");
            } else if (found.result().isEmpty() || found.result().get().disabled()) {
                ApiError.send(ctx.response(), 401, "unauthenticated", "the token is unknown, revoked, or its principal is disabled");
            } else {
                ctx.put(PRINCIPAL, found.result().get());
                ctx.next();
            }
        });
    }
}
