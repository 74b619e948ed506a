package dev.portcullis.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A real HTTP client (the JDK's) speaking to the broker's REST API. */
public final class Api {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String adminToken;

    public Api(String base, String adminToken) {
        this.base = base;
        this.adminToken = adminToken;
    }

    public String adminToken() {
        return adminToken;
    }

    public String base() {
        return base;
    }

    /** An answer: status and body, parsed as JSON when it is JSON. */
    public record Answer(int status, String body) {
        public JsonObject json() {
            return new JsonObject(body);
        }

        public JsonArray array() {
            return new JsonArray(body);
        }

        public String errorCode() {
            return json().getJsonObject("error").getString("code");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Answer get(String path, String token) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token);
    }

    public Answer post(String path, String token, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.toString())), token);
    }

    public Answer put(String path, String token, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())), token);
    }

    public Answer patch(String path, String token, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())), token);
    }

    public Answer send(HttpRequest.Builder request, String token) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
