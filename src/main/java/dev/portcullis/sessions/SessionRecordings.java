package dev.portcullis.sessions;

import io.vertx.core.Future;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What a live viewer needs from a gateway, whatever its protocol: where a session's recording is, and a flush that
 * says how many lines the file holds. Every line written after that flush is published on the session's event bus
 * address ({@code portcullis.session.<id>}) with its index in the file in {@link #LINE_HEADER}, so a viewer that
 * subscribed first reads lines {@code 0..n-1} from the file and the rest from the feed: none missing, none twice.
 */
public interface SessionRecordings {

    /** Event bus address of a session's live lines (Strings), the same for every protocol. */
    static String liveAddress(UUID sessionId) {
        return "portcullis.session." + sessionId;
    }

    /** Event bus address of session lifecycle events (JSON: session, grant, protocol, state LIVE | CUT | ENDED, reason). */
    String SESSIONS_ADDRESS = "portcullis.sessions";

    /** Header of each live line: its index in the recording file (0 is the first line). */
    String LINE_HEADER = "line";

    /** Where the recording of a session is (or will be) written. */
    Path recording(UUID sessionId);

    /**
     * Flushes the session's recording, in order with its lines, and answers how many lines the file now holds;
     * every later line is published after this completes. Empty when the session is not running on this node
     * (ended, or elsewhere): then the file, if any, is complete.
     */
    Future<OptionalLong> flushRecording(UUID sessionId);
}
