package dev.portcullis.api;

import dev.portcullis.access.Problem;
import dev.portcullis.access.Roles;
import dev.portcullis.access.Tokens;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Role;
import dev.portcullis.observability.Meters;
import dev.portcullis.store.Principals;
import dev.portcullis.store.Sessions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;
import java.util.UUID;

/**
 * The two WebSocket streams for the SOC: {@code /api/v1/sessions/{id}/live} (one session's recording, from its
 * first line, then live; asciicast lines for SSH, exchange records for HTTP) and {@code /api/v1/events} (every ledger entry as it is committed). Both need the auditor
 * role. Browsers cannot set headers on a WebSocket, so besides {@code Authorization: Bearer} the token may come as
 * a sub-protocol {@code portcullis.bearer.<token>}, offered together with {@code portcullis.v1} (which the broker
 * selects): never in the URL, which ends up in logs.
 */
final class LiveStreams {

    /** The sub-protocol the broker answers with. */
    static final String SUBPROTOCOL = "portcullis.v1";
    static final String BEARER_SUBPROTOCOL = "portcullis.bearer.";
    /** What a viewer may have waiting in its connection before it is dropped: a stuck viewer never slows a session. */
    static final int VIEWER_BUFFER_BYTES = 1024 * 1024;

    private final ApiServer.Dependencies deps;
    private final String ledgerAddress;

    LiveStreams(ApiServer.Dependencies deps, String ledgerAddress) {
        this.deps = deps;
        this.ledgerAddress = ledgerAddress;
    }

    void session(RoutingContext ctx) {
        if (!isUpgrade(ctx)) {
            ctx.next();
            return;
        }
        // The checks below are asynchronous: the upgrade request must not be consumed meanwhile.
        ctx.request().pause();
        UUID id;
        try {
            id = UUID.fromString(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            ApiError.send(ctx.response(), 400, "invalid_request", "'" + ctx.pathParam("id") + "' is not an id");
            return;
        }
        authorised(ctx).compose(p -> Sessions.byId(deps.transactions().pool(), id))
                .compose(row -> row.isPresent() ? Future.succeededFuture(row.get())
                        : Future.failedFuture(Problem.notFound("session " + id)))
                .compose(row -> ctx.request().toWebSocket().map(ws -> {
                    ws.setWriteQueueMaxSize(VIEWER_BUFFER_BYTES);
                    new SessionFeed(ctx.vertx(), ws, id, row, deps.transactions().pool(), deps.recordings(row.getString("protocol")), deps.meters()).start();
                    return ws;
                }))
                .onFailure(failure -> fail(ctx, failure));
    }

    void events(RoutingContext ctx) {
        if (!isUpgrade(ctx)) {
            ctx.next();
            return;
        }
        ctx.request().pause();
        authorised(ctx).compose(p -> ctx.request().toWebSocket()).onSuccess(ws -> {
            ws.setWriteQueueMaxSize(VIEWER_BUFFER_BYTES);
            Meters meters = deps.meters();
            meters.add(Meters.State.LIVE_VIEWERS, 1);
            var consumer = ctx.vertx().eventBus().<JsonObject>consumer(ledgerAddress);
            consumer.handler(m -> {
                if (ws.isClosed()) {
                    return;
                }
                if (ws.writeQueueFull()) {
                    consumer.unregister();
                    meters.liveViewersDropped().increment();
                    ws.close((short) SessionFeed.DROPPED, "viewer too slow: dropped");
                    return;
                }
                ws.writeTextMessage(m.body().encode());
            });
            ws.closeHandler(v -> {
                consumer.unregister();
                meters.add(Meters.State.LIVE_VIEWERS, -1);
            });
        }).onFailure(failure -> fail(ctx, failure));
    }

    private static boolean isUpgrade(RoutingContext ctx) {
        String upgrade = ctx.request().getHeader("Upgrade");
        return upgrade != null && upgrade.equalsIgnoreCase("websocket");
    }

    /** The caller, if their token is valid and they hold the auditor role; the refusal is ledgered like the API's. */
    private Future<Principal> authorised(RoutingContext ctx) {
        Optional<String> token = token(ctx);
        if (token.isEmpty()) {
            return Future.failedFuture(new Problem(401, "unauthenticated",
                    "send 'Authorization: Bearer <token>' or offer the sub-protocols '" + SUBPROTOCOL + "' and '"
                            + BEARER_SUBPROTOCOL + "<token>'"));
        }
        return Principals.byTokenHash(deps.transactions().pool(), Tokens.hash(token.get())).compose(found -> {
            if (found.isEmpty() || found.get().disabled()) {
                return Future.failedFuture(new Problem(401, "unauthenticated", "the token is unknown, revoked, or its principal is disabled"));
            }
            Principal p = found.get();
            if (p.has(Role.AUDITOR)) {
                return Future.succeededFuture(p);
            }
            return Roles.refused(deps.transactions(), p, "api:GET " + ctx.request().path(),
                    Problem.forbidden("forbidden_role", "live streams need the role auditor"));
        });
    }

    static Optional<String> token(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && header.length() > 7) {
            return Optional.of(header.substring(7).trim());
        }
        String protocols = ctx.request().getHeader("Sec-WebSocket-Protocol");
        if (protocols != null) {
            for (String offered : protocols.split(",")) {
                String p = offered.trim();
                if (p.startsWith(BEARER_SUBPROTOCOL) && p.length() > BEARER_SUBPROTOCOL.length()) {
                    return Optional.of(p.substring(BEARER_SUBPROTOCOL.length()));
                }
            }
        }
        return Optional.empty();
    }

    private static void fail(RoutingContext ctx, Throwable failure) {
        if (ctx.response().headWritten()) {
            return;
        }
        if (failure instanceof Problem p) {
            ApiError.send(ctx.response(), p.status(), p.code(), p.getMessage());
        } else {
            ctx.fail(failure);
        }
    }
}
