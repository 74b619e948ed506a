package dev.portcullis.gateway.http;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.observability.Meters;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.HttpCredentialSource;
import dev.portcullis.sessions.GrantClosingHook;
import dev.portcullis.sessions.SessionRecordings;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * The HTTP front door: vendors call {@code /t/<target>/<path>} with their API token; each request is checked
 * against the grant's HTTP scope after path normalisation, the vendor's credentials are stripped and the target's
 * injected, bodies and WebSockets stream through, every exchange is recorded, and a closing grant is cut at once.
 * See README.md beside this file.
 */
public interface HttpGateway extends SessionRecordings {

    /**
     * Event bus address on which each exchange of a session is published as its JSON recording line (a String), as
     * it is written, with its index in the file in {@link #LINE_HEADER}.
     */
    static String liveAddress(UUID sessionId) {
        return SessionRecordings.liveAddress(sessionId);
    }

    /** Session lifecycle (JSON: session, grant, protocol "http", state LIVE | CUT | ENDED, reason), as the SSH gateway's. */
    String SESSIONS_ADDRESS = SessionRecordings.SESSIONS_ADDRESS;

    /** What the gateway needs from the rest of the broker. */
    record Dependencies(Transactions transactions, GrantVerifier verifier, HttpCredentialSource credentials, Meters meters) {
        public Dependencies {
            Objects.requireNonNull(transactions, "transactions");
            Objects.requireNonNull(verifier, "verifier");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(meters, "meters");
        }

        /** With meters of its own, for a gateway started outside a broker. */
        public Dependencies(Transactions transactions, GrantVerifier verifier, HttpCredentialSource credentials) {
            this(transactions, verifier, credentials, Meters.create());
        }
    }

    /** Prepares TLS material and the recording directory, then listens (one listener per event loop). */
    static Future<HttpGateway> start(Vertx vertx, Path dataDir, String node, PortcullisConfig.Http options, Dependencies dependencies) {
        return HttpGatewayServer.start(vertx, dataDir, node, options, dependencies);
    }

    int port();

    /** Where the TLS certificate vendors should trust is (the self-signed one under the data directory, or the configured one). */
    Path certificate();

    /** Where the recording of a session is (or will be) written. */
    Path recording(UUID sessionId);

    /** Register with {@code WindowScheduler.addClosingHook}: cuts the grant's exchanges and WebSockets on this node. */
    GrantClosingHook closingHook();

    /** Cuts one live HTTP session on this node (an auditor's terminate); false if this node has no such session. */
    Future<Boolean> terminate(UUID sessionId, String actor);

    int liveSessions();

    /** Bytes moved through this gateway, by direction. */
    ProxyTraffic traffic();

    /** Stops listening and ends every live session with reason {@code terminated}. */
    Future<Void> close();
}
