package dev.portcullis.gateway.ssh;

import dev.portcullis.access.GrantVerifier;
import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.observability.Meters;
import dev.portcullis.policy.Policy;
import dev.portcullis.sessions.GrantClosingHook;
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
public interface SshGateway {

    /** Event bus address on which every chunk of a session is published, as one asciicast v2 line (a String). */
    static String liveAddress(UUID sessionId) {
        return "portcullis.session." + sessionId;
    }

    /** Header of each live line: its index in the recording file (0 is the header line). */
    String LINE_HEADER = "line";

    /**
     * Event bus address for session lifecycle events (JSON: session, grant, state, reason): {@code LIVE} when the
     * target is connected, {@code CUT} when the gateway has disconnected the vendor (a cut, or the target went away), {@code ENDED} once recorded.
     */
    String SESSIONS_ADDRESS = "portcullis.sessions";

    /** What the gateway needs from the rest of the broker. */
    record Dependencies(Transactions transactions, GrantVerifier verifier, LocalSshCertificateAuthority certificateAuthority,
                        Supplier<Policy> policy, Meters meters) {
        public Dependencies {
            Objects.requireNonNull(transactions, "transactions");
            Objects.requireNonNull(verifier, "verifier");
            Objects.requireNonNull(certificateAuthority, "certificateAuthority");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(meters, "meters");
        }

        /** With meters of its own, for a gateway started outside a broker. */
        public Dependencies(Transactions transactions, GrantVerifier verifier, LocalSshCertificateAuthority certificateAuthority,
                            Supplier<Policy> policy) {
            this(transactions, verifier, certificateAuthority, policy, Meters.create());
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

    /**
     * For a live viewer: flushes the session's recording and answers how many lines the file now holds; every later
     * line is published on {@link #liveAddress} after this completes, with its index in {@link #LINE_HEADER}.
     * Empty when the session is not running on this node (ended, or elsewhere): then the file is complete.
     */
    Future<java.util.OptionalLong> flushRecording(UUID sessionId);

    /** How many sessions are live on this node. */
    int liveSessions();

    /** Stops listening and cuts every live session with reason {@code terminated}. */
    Future<Void> close();
}
