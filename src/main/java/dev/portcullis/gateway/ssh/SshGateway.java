package dev.portcullis.gateway.ssh;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.observability.Meters;
import dev.portcullis.policy.Policy;
import dev.portcullis.sessions.GrantClosingHook;
import dev.portcullis.sessions.SessionRecordings;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The SSH front door: vendors run {@code ssh -p <port> [<unix-user>+]<target>@<broker>} with their registered
 * key; the gateway checks the grant, logs in to the target with a per-session certificate, bridges the
 * session, records it and cuts it when the grant closes. See README.md beside this file.
 */
public interface SshGateway extends SessionRecordings {

    /**
     * Event bus address on which every chunk of a session is published, as one asciicast v2 line (a String), with
     * its index in the file (0 is the header line) in {@link #LINE_HEADER}.
     */
    static String liveAddress(UUID sessionId) {
        return SessionRecordings.liveAddress(sessionId);
    }

    /**
     * Event bus address for session lifecycle events (JSON: session, grant, state, reason): {@code LIVE} when the
     * target is connected, {@code CUT} when the gateway has disconnected the vendor (a cut, or the target went away), {@code ENDED} once recorded.
     */
    String SESSIONS_ADDRESS = SessionRecordings.SESSIONS_ADDRESS;

    /** What the gateway needs from the rest of the broker; {@code credentials} certifies each session's key. */
    record Dependencies(Transactions transactions, GrantVerifier verifier, CredentialBroker credentials,
                        Supplier<Policy> policy, Meters meters) {
        public Dependencies {
            Objects.requireNonNull(transactions, "transactions");
            Objects.requireNonNull(verifier, "verifier");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(meters, "meters");
        }

        /** With meters of its own, for a gateway started outside a broker. */
        public Dependencies(Transactions transactions, GrantVerifier verifier, CredentialBroker credentials,
                            Supplier<Policy> policy) {
            this(transactions, verifier, credentials, policy, Meters.create());
        }
    }

    /** Loads or creates the host key and starts listening. */
    static Future<SshGateway> start(Vertx vertx, SshGatewayOptions options, Dependencies dependencies) {
        return GatewayServer.start(vertx, options, dependencies);
    }

    /** The port actually bound (useful when the options asked for 0). */
    int port();

    /** The broker's host key as an OpenSSH public key line, for vendors' {@code known_hosts}. */
    String hostKeyLine();

    /** Where the recording of a session is (or will be) written. */
    Path recording(UUID sessionId);

    /** Register with {@code WindowScheduler.addClosingHook}: cuts every live session on a closing grant on this node. */
    GrantClosingHook closingHook();

    /**
     * Cuts one live session on this node (an auditor's terminate); true once it has ended, false if this node
     * has no such live session.
     */
    Future<Boolean> terminate(UUID sessionId, String actor);

    /** How many sessions are live on this node. */
    int liveSessions();

    /** Stops listening and cuts every live session with reason {@code terminated}. */
    Future<Void> close();
}
