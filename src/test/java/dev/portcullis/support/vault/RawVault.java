package dev.portcullis.support.vault;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain JDK HTTP client for the tests' exact checks of status, Content-Type and body. */
final class RawVault {

    record Answer(int status, String contentType, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }

        JsonObject data() {
            return json().getJsonObject("data");
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    RawVault(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    Answer get(String path, String token) throws IOException, InterruptedException {
        return send("GET", path, token, null);
    }

    Answer post(String path, String token, JsonObject body) throws IOException, InterruptedException {
        return send("POST", path, token, body == null ? null : body.encode());
    }

    Answer send(String method, String path, String token, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("X-Vault-Token", token);
        }
        return send(request.build());
    }

    Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null), response.body());
    }
}
