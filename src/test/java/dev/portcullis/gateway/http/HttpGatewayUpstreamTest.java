package dev.portcullis.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own upstream connections ({@link UpstreamPool}): kept alive and reused, never reused when the
 * target said close or broke off, a stale pooled connection survived by one retry, and a target that cannot be
 * reached — or whose TLS certificate does not name it — answered 502 and recorded. The target here is a scripted
 * HTTP/1.1 server on a raw socket, so that it can misbehave on cue and count its connections.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayUpstreamTest {

    private HttpGatewayFixture f;
    private final List<NetServer> servers = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
    }

    @AfterEach
    void stopServers() {
        servers.forEach(s -> await(s.close()));
        servers.clear();
        connections.set(0);
        requests.set(0);
    }

    @Test
    void keepAliveConnectionsAreReusedForTheNextRequest() {
        Granted g = granted("http://127.0.0.1:" + scriptedTarget());
        for (int i = 0; i < 5; i++) {
            assertThat(get(g, "/keep").bodyAsString()).isEqualTo("ok");
        }
        assertThat(requests.get()).isEqualTo(5);
        assertThat(connections.get()).as("one upstream connection carried all five").isEqualTo(1);
    }

    @Test
    void aConnectionTheTargetClosesIsNotReused() {
        Granted g = granted("http://127.0.0.1:" + scriptedTarget());
        for (int i = 0; i < 3; i++) {
            assertThat(get(g, "/close").statusCode()).isEqualTo(200);
        }
        assertThat(connections.get()).isEqualTo(3);
    }

    @Test
    void aPooledConnectionTheTargetDropsUnansweredIsRetriedOnceOnANewOne() {
        Granted g = granted("http://127.0.0.1:" + scriptedTarget());
        assertThat(get(g, "/stale").statusCode()).isEqualTo(200);
        // The target drops the pooled connection when the second request arrives on it, as one whose keep-alive
        // ran out at that moment would: the vendor must not see that.
        HttpResponse<Buffer> second = get(g, "/stale");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.bodyAsString()).isEqualTo("ok");
        assertThat(requests.get()).isEqualTo(3);
        assertThat(connections.get()).isEqualTo(2);
        // A POST is not retried: the target may have acted on it.
        HttpResponse<Buffer> post = await(f.client.post("/t/" + g.target + "/stale").putHeader("authorization", g.vendor.bearer()).send());
        assertThat(post.statusCode()).isEqualTo(502);
        assertThat(post.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("upstream_failed");
    }

    @Test
    void aTargetBreakingOffMidResponseBreaksTheVendorsResponseAndIsRecorded() throws Exception {
        Granted g = granted("http://127.0.0.1:" + scriptedTarget());
        Throwable broken = awaitFailure(g, "/break");
        assertThat(broken).isNotNull();
        // The pool is not poisoned: the next request gets a sound connection.
        assertThat(get(g, "/keep").bodyAsString()).isEqualTo("ok");
        List<JsonObject> lines = recording(g);
        assertThat(lines).extracting(l -> l.getString("path") + " " + l.getInteger("status"))
                .containsExactly("/break 502", "/keep 200");
        assertThat(lines.get(0).getLong("bytesOut")).isEqualTo(10);
    }

    @Test
    void anUnreachableTargetIsAnswered502AndRecorded() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Granted g = granted("http://127.0.0.1:" + closedPort);
        HttpResponse<Buffer> answer = get(g, "/anything");
        assertThat(answer.statusCode()).isEqualTo(502);
        assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("upstream_unreachable");
        assertThat(recording(g)).extracting(l -> l.getInteger("status")).containsExactly(502);
    }

    @Test
    void anHttpsTargetWhoseCertificateDoesNotNameItIsNeverSentTheRequest() throws Exception {
        // The fixture's upstream certificate is trusted (it is its own CA) and names 127.0.0.1, localhost and ::1 —
        // not 127.0.0.2, where this target listens.
        GatewayCertificate.Material cert = GatewayCertificate.loadOrCreate(f.dir.resolve("upstream-tls"), "127.0.0.1");
        AtomicInteger reached = new AtomicInteger();
        var server = await(f.upstreamVertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.2").setPort(0).setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.certificate().toString()).setKeyPath(cert.key().toString())))
                .requestHandler(request -> {
                    reached.incrementAndGet();
                    request.response().end("should not be here");
                }).listen());
        try {
            Granted g = granted("https://127.0.0.2:" + server.actualPort());
            HttpResponse<Buffer> answer = get(g, "/secret");
            assertThat(answer.statusCode()).isEqualTo(502);
            assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("upstream_unreachable");
            assertThat(reached.get()).isZero();
        } finally {
            await(server.close());
        }
    }

    // ---- the scripted target --------------------------------------------------------------------------------

    /**
     * Answers by the path's last segment: {@code keep} 200 "ok", kept alive; {@code close} the same with
     * {@code Connection: close}, then closes; {@code stale} like keep, but drops a connection unanswered on its
     * second request; {@code break} promises 1000 bytes, sends 10 and closes.
     */
    private int scriptedTarget() {
        NetServer server = await(f.upstreamVertx.createNetServer().connectHandler(this::serve).listen(0, "127.0.0.1"));
        servers.add(server);
        return server.actualPort();
    }

    private void serve(NetSocket socket) {
        connections.incrementAndGet();
        int[] served = {0};
        Buffer[] pending = {Buffer.buffer()};
        socket.handler(data -> {
            pending[0].appendBuffer(data);
            String text = pending[0].toString(StandardCharsets.ISO_8859_1);
            int end;
            while ((end = text.indexOf("\r\n\r\n")) >= 0) {
                String path = text.substring(0, text.indexOf("\r\n")).split(" ")[1];
                text = text.substring(end + 4);
                requests.incrementAndGet();
                served[0]++;
                String action = path.substring(path.lastIndexOf('/') + 1);
                switch (action) {
                    case "keep" -> socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    case "close" -> socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                            .onComplete(v -> socket.close());
                    case "stale" -> {
                        if (served[0] > 1) {
                            socket.close();
                        } else {
                            socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                        }
                    }
                    case "break" -> socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                            .onComplete(v -> socket.close());
                    default -> socket.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                }
            }
            pending[0] = Buffer.buffer(text.getBytes(StandardCharsets.ISO_8859_1));
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private record Granted(HttpGatewayFixture.Vendor vendor, String target, dev.portcullis.domain.Grant grant) {
    }

    private Granted granted(String baseUrl) {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target(baseUrl, HttpGatewayFixture.localCredential(HttpGatewayFixture.SECRET_NAME));
        return new Granted(vendor, target, f.grant(vendor, target, List.of("GET", "POST"), List.of("/**")));
    }

    private HttpResponse<Buffer> get(Granted g, String path) {
        return await(f.client.get("/t/" + g.target + path).putHeader("authorization", g.vendor.bearer()).send());
    }

    private Throwable awaitFailure(Granted g, String path) throws Exception {
        var done = new java.util.concurrent.CompletableFuture<Throwable>();
        f.client.get("/t/" + g.target + path).putHeader("authorization", g.vendor.bearer()).send()
                .onComplete(r -> done.complete(r.cause()));
        return done.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private List<JsonObject> recording(Granted g) throws Exception {
        UUID session = f.sessions(g.grant).get(0);
        await(f.gateway.flushRecording(session));
        return Files.readAllLines(f.gateway.recording(session)).stream().map(JsonObject::new).toList();
    }
}
