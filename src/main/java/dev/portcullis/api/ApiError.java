package dev.portcullis.api;

import dev.portcullis.access.Problem;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into {@code {"error":{"code","message"}}} with a status that fits. */
final class ApiError {

    private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);

    private ApiError() {
    }

    static void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof HttpException wrapper && wrapper.getCause() != null) {
            failure = wrapper.getCause();  // the router wraps validation failures; answer for the cause
        }
        int status = ctx.statusCode();
        String code;
        String message;
        if (failure instanceof Problem p) {
            status = p.status();
            code = p.code();
            message = p.getMessage();
        } else if (failure instanceof SchemaValidationException e) {
            status = 400;
            code = undecodable(e) ? "malformed_json" : "invalid_request";
            message = undecodable(e) ? "the request body is not valid JSON" : describe(e);
        } else if (failure instanceof ValidatorException e) {
            status = 400;
            code = undecodable(e) ? "malformed_json" : "invalid_request";
            message = undecodable(e) ? "the request body is not valid JSON" : e.getMessage();
        } else if (failure instanceof DecodeException) {
            status = 400;
            code = "malformed_json";
            message = "the request body is not valid JSON";
        } else if (failure instanceof HttpException e) {
            status = e.getStatusCode();
            code = codeFor(status);
            message = e.getPayload() != null ? e.getPayload() : messageFor(status);
        } else if (failure == null) {
            code = codeFor(status);
            message = messageFor(status);
        } else {
            status = 500;
            code = "internal_error";
            message = "the broker could not complete this request; see its log";
            LOG.error("unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
        }
        if (status == 413) {
            code = "body_too_large";
            message = "the request body exceeds the broker's limit";
        }
        send(ctx.response(), status, code, message);
    }

    static void send(HttpServerResponse response, int status, String code, String message) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)).encode());
    }

    private static boolean undecodable(ValidatorException e) {
        return e.getMessage() != null && e.getMessage().contains("can't be decoded");
    }

    private static String describe(SchemaValidationException e) {
        var unit = e.getOutputUnit();
        StringBuilder out = new StringBuilder(e.getMessage() == null ? "invalid request" : e.getMessage());
        if (unit != null && unit.getErrors() != null) {
            for (var error : unit.getErrors()) {
                out.append("; ").append(error.getInstanceLocation()).append(": ").append(error.getError());
            }
        }
        return out.toString();
    }

    private static String codeFor(int status) {
        return switch (status) {
            case 400 -> "invalid_request";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "body_too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal_error" : "error";
        };
    }

    private static String messageFor(int status) {
        return switch (status) {
            case 401 -> "a valid bearer token is required";
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 415 -> "request bodies must be application/json";
            default -> "request failed";
        };
    }
}
