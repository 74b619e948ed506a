package dev.portcullis.gateway.http;

import dev.portcullis.credentials.HttpCredential;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Target;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One grant's HTTP session on this node: the session row, the credential fetched once for it, its recording, and
 * the exchanges and WebSockets in flight — so that a cut can close every one of them.
 */
final class HttpSession {

    /** Something in flight on the session that a cut closes at once. */
    interface InFlight {
        /** Closes it now; the future completes once its line is in the recording (which is sealed after that). */
        Future<Void> cut(String message);
    }

    final UUID id;
    final Grant grant;
    final Target target;
    final Principal executor;
    final HttpCredential credential;
    final ExchangeLog log;
    final Upstream upstream;
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    final AtomicLong exchanges = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    private volatile String cutMessage;
    volatile long windowTimer = -1;

    HttpSession(UUID id, Grant grant, Target target, Principal executor, HttpCredential credential, ExchangeLog log, Upstream upstream) {
        this.id = id;
        this.grant = grant;
        this.target = target;
        this.executor = executor;
        this.credential = credential;
        this.log = log;
        this.upstream = upstream;
    }

    /** Registers an exchange; false once the session is being cut (the exchange must then be refused). */
    boolean admit(InFlight exchange) {
        inFlight.add(exchange);
        if (cutMessage != null) {
            inFlight.remove(exchange);
            return false;
        }
        return true;
    }

    void release(InFlight exchange) {
        inFlight.remove(exchange);
    }

    /** Why the session was cut, or null while it is live. */
    String cutMessage() {
        return cutMessage;
    }

    /**
     * Closes everything in flight; later {@link #admit}s fail. Idempotent: the first message wins, and a second
     * call gets null. Otherwise: completes once every exchange that was in flight has recorded its line.
     */
    Future<Void> cut(String message) {
        synchronized (this) {
            if (cutMessage != null) {
                return null;
            }
            cutMessage = message;
        }
        List<Future<Void>> recorded = new ArrayList<>();
        for (InFlight exchange : inFlight) {
            recorded.add(exchange.cut(message));
        }
        inFlight.clear();
        return Future.all(recorded).mapEmpty();
    }
}
