package dev.portcullis.support.vault;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Faults the test server injects on demand; each switches on and off at run time and takes effect
 * with the next request. Path prefixes are written after {@code /v1/} ({@code "ssh/sign/"}).
 */
public final class Faults {

    /** Closes and reopens the listening socket; blocking, so not for an event-loop thread. */
    interface Listener {
        void stopListening();

        void listenAgain();
    }

    private final Listener listener;
    private volatile boolean sealed;
    private volatile boolean standby;
    private volatile boolean uninitialised;
    private volatile boolean lyingRevoke;
    private volatile boolean refusing;
    private volatile Duration delay = Duration.ZERO;
    private volatile String delayPrefix = "";
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    Faults(Listener listener) {
        this.listener = listener;
    }

    /** Sealed: {@code 503 {"errors":["Vault is sealed"]}} everywhere but {@code sys/health}, which answers 503 with {@code sealed:true}. */
    public Faults seal(boolean on) {
        sealed = on;
        return this;
    }

    /** A standby node: {@code sys/health} answers 429; other paths are served as usual (as if forwarded). */
    public Faults standby(boolean on) {
        standby = on;
        return this;
    }

    /** Not initialised: {@code sys/health} answers 501, every other path 503 as if sealed. */
    public Faults uninitialised(boolean on) {
        uninitialised = on;
        return this;
    }

    /** Every answer (health included) is held back this long; {@link Duration#ZERO} ends it. */
    public Faults delay(Duration d) {
        return delay(d, "");
    }

    /** Answers for paths starting with {@code pathPrefix} are held back this long; replaces any earlier delay. */
    public Faults delay(Duration d, String pathPrefix) {
        Objects.requireNonNull(d, "delay");
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative delay " + d);
        }
        delayPrefix = normalise(Objects.requireNonNull(pathPrefix, "pathPrefix"));
        delay = d;
        return this;
    }

    /** Requests whose path starts with {@code pathPrefix} answer {@code 500 {"errors":["internal error"]}}; "" means every path. */
    public Faults failWith500(String pathPrefix) {
        failing.add(normalise(Objects.requireNonNull(pathPrefix, "pathPrefix")));
        return this;
    }

    public Faults failWith500Everywhere() {
        return failWith500("");
    }

    /** Ends every {@link #failWith500}. */
    public Faults stopFailing() {
        failing.clear();
        return this;
    }

    /**
     * On: the listening socket is closed, so connecting is refused (open connections are closed
     * too). Off: the server listens again on the same port. Returns once the socket is closed or open.
     */
    public Faults refuseConnections(boolean on) {
        synchronized (this) {
            if (on == refusing) {
                return this;
            }
            if (on) {
                listener.stopListening();
            } else {
                listener.listenAgain();
            }
            refusing = on;
        }
        return this;
    }

    /** {@code sys/leases/revoke} answers 204 (or 202) but leaves the lease and its database role alive. */
    public Faults lyingRevoke(boolean on) {
        lyingRevoke = on;
        return this;
    }

    /** Every fault off (listening again if connections were refused). */
    public Faults clear() {
        refuseConnections(false);
        return seal(false).standby(false).uninitialised(false).delay(Duration.ZERO).stopFailing().lyingRevoke(false);
    }

    boolean sealed() {
        return sealed || uninitialised;
    }

    boolean standby() {
        return standby;
    }

    boolean uninitialised() {
        return uninitialised;
    }

    boolean lyingRevoke() {
        return lyingRevoke;
    }

    /** How long to hold back the answer to a request for {@code path} ({@code /v1/…}). */
    Duration delayFor(String path) {
        Duration d = delay;
        return d.isZero() || normalise(path).startsWith(delayPrefix) ? d : Duration.ZERO;
    }

    boolean failing(String path) {
        String p = normalise(path);
        return failing.stream().anyMatch(p::startsWith);
    }

    private static String normalise(String path) {
        String p = path.startsWith("/v1/") ? path.substring(4) : path;
        return p.startsWith("/") ? p.substring(1) : p;
    }
}
