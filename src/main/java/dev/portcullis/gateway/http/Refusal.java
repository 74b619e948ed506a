package dev.portcullis.gateway.http;

import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the gateway itself refuses (bad path, smuggling, oversized, timeouts, credential failure): a status,
 * a reason code and a message, answered as {@code {"error":{"code","message"}}} and ledgered as
 * {@code http.refused}. Refusals the grant check makes are ledgered by GrantVerifier as {@code access.refused}.
 */
record Refusal(int status, String code, String message) {

    /** Paths in the ledger are cut to this length: a refused 8 KiB URI is evidence, not something to store whole. */
    static final int MAX_LEDGERED_PATH = 512;

    /** {@code close}: the connection is closed once the answer is written (Vert.x keeps it open for a keep-alive request). */
    static void answer(HttpServerRequest request, int status, String code, String message, boolean close) {
        HttpServerResponse response = request.response();
        if (response.ended() || response.closed()) {
            return;
        }
        String body = new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)).encode();
        response.setStatusCode(status).putHeader("content-type", "application/json").putHeader("cache-control", "no-store");
        if (close) {
            response.putHeader("connection", "close");
        }
        Future<Void> written = response.end(body);
        if (close) {
            written.onComplete(done -> request.connection().close());
        } else {
            request.resume(); // the (empty) request must end for the connection's next request to be read
        }
    }

    void answer(HttpServerRequest request) {
        answer(request, status, code, message, bodyPending(request));
    }

    /**
     * Whether the request still has a body on the wire. A refused request's body is not read, so the connection is
     * closed after the answer rather than left with unread bytes where the next request should start.
     */
    static boolean bodyPending(HttpServerRequest request) {
        if (request.isEnded()) {
            return false;
        }
        String length = request.getHeader("content-length");
        return request.headers().contains("transfer-encoding") || (length != null && !length.equals("0"));
    }

    Future<Void> record(Transactions transactions, String actor, String target, String method, String path, String remote) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("reason", code);
        payload.put("status", status);
        payload.put("message", message);
        payload.put("target", target);
        payload.put("method", method);
        payload.put("path", path == null ? null : path.length() > MAX_LEDGERED_PATH ? path.substring(0, MAX_LEDGERED_PATH) + "…" : path);
        payload.put("remote", remote);
        return transactions.record(new LedgerEvent("http.refused", actor == null ? "unknown" : actor,
                target == null ? "gateway:http" : "target:" + target, payload)).mapEmpty();
    }
}
