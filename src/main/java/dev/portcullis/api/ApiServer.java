package dev.portcullis.api;

import dev.portcullis.access.DatabaseAccess;
import dev.portcullis.access.Directory;
import dev.portcullis.access.GrantVerifier;
import dev.portcullis.access.RequestWorkflow;
import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.local.LocalSecrets;
import dev.portcullis.gateway.http.HttpGateway;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.sessions.SessionRecordings;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.observability.Meters;
import dev.portcullis.policy.Policy;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;

import java.util.function.Supplier;

/**
 * The REST API under {@code /api/v1}. Routing and request validation come from the OpenAPI document
 * ({@code openapi.yaml}), so the document cannot drift from what the broker accepts. The same server serves the
 * web console under {@code /console/} (see {@link Console}).
 */
public final class ApiServer {

    private final HttpServer server;

    private ApiServer(HttpServer server) {
        this.server = server;
    }

    public record Dependencies(Transactions transactions, Directory directory, RequestWorkflow workflow,
                               GrantVerifier verifier, Supplier<Policy> policy, Signatures signatures,
                               SshGateway sshGateway, CredentialBroker credentials, Meters meters,
                               LocalSecrets localSecrets, HttpGateway httpGateway, DatabaseAccess databaseAccess) {

        /** The gateway on this node that records sessions of a protocol ({@code ssh}, {@code http}); null if none. */
        SessionRecordings recordings(String protocol) {
            if ("ssh".equals(protocol)) {
                return sshGateway;
            }
            return "http".equals(protocol) ? httpGateway : null;
        }
    }

    /** Event bus address of committed ledger entries (JSON), streamed by {@code /api/v1/events}. */
    public static final String LEDGER_ADDRESS = "portcullis.ledger";

    public static Future<ApiServer> start(Vertx vertx, String host, int port, int maxBodyBytes, Dependencies deps) {
        return vertx.fileSystem().readFile("openapi.yaml").compose(file -> OpenAPIContract.from(vertx, "openapi.yaml").compose(contract -> {
            String document = file.toString();
            RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
            builder.rootHandler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
            builder.rootHandler(new Authentication(deps.transactions().pool()));
            Operations operations = new Operations(deps);
            for (OpenAPIRoute route : builder.getRoutes()) {
                route.setDoSecurity(false);
                route.addHandler(operations.handler(route.getOperation().getOperationId()));
                route.addFailureHandler(ApiError::handle);
            }
            Router api = builder.createRouter();
            Router root = Router.router(vertx);
            // WebSocket upgrades are answered before the OpenAPI router, which would try to validate them as
            // plain requests; a plain GET falls through to it (and is answered 426 there).
            LiveStreams live = new LiveStreams(deps, LEDGER_ADDRESS);
            root.get("/api/v1/sessions/:id/live").handler(live::session);
            root.get("/api/v1/events").handler(live::events);
            root.get("/api/v1/openapi.yaml").handler(ctx -> ctx.response()
                    .putHeader("content-type", "application/yaml").end(document));
            root.route("/api/v1/*").subRouter(api);
            return Console.mount(vertx, root).compose(mounted -> {
                root.route().failureHandler(ApiError::handle);
                root.errorHandler(404, ApiError::handle);
                root.errorHandler(405, ApiError::handle);
                root.errorHandler(413, ApiError::handle);
                root.errorHandler(500, ApiError::handle);
                return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
                                .setMaxInitialLineLength(8192).setMaxHeaderSize(16384)
                                .setWebSocketSubProtocols(java.util.List.of(LiveStreams.SUBPROTOCOL)))
                        .requestHandler(root).listen();
            });
        })).map(ApiServer::new);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server.close();
    }
}
