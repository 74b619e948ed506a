package dev.portcullis.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large bodies stream through, byte-exact, both ways: generated on the fly and digested on arrival, so neither the
 * test nor (by its back-pressure) the gateway holds them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayStreamingTest {

    private static final long LARGE = 256L * 1024 * 1024;
    private HttpGatewayFixture f;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
    }

    @Test
    void streams256MiBUpAndDownByteExact() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        f.grant(vendor, target, List.of("GET", "POST"), List.of("/upload", "/download"));
        String expected = Payload.sha256(11, LARGE);

        var upload = await(f.client.post("/t/" + target + "/upload").putHeader("authorization", vendor.bearer())
                .sendStream(new Payload(f.broker.vertx.getOrCreateContext(), 11, LARGE)));
        assertThat(upload.statusCode()).as(upload.bodyAsString()).isEqualTo(200);
        assertThat(upload.bodyAsJsonObject().getLong("bytes")).isEqualTo(LARGE);
        assertThat(upload.bodyAsJsonObject().getString("sha256")).isEqualTo(expected);

        HttpClient client = f.broker.vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(f.gatewayCertificate.toString())));
        MessageDigest digest = HttpGatewayFixture.sha256();
        long[] received = {0};
        Future<Integer> status = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                        .setPort(f.gateway.port()).setURI("/t/" + target + "/download?bytes=" + LARGE + "&seed=11")
                        .putHeader("authorization", vendor.bearer()))
                .compose(request -> request.send())
                .compose(response -> {
                    Promise<Integer> done = Promise.promise();
                    response.handler(chunk -> {
                        digest.update(chunk.getBytes());
                        received[0] += chunk.length();
                    });
                    response.endHandler(v -> done.complete(response.statusCode()));
                    response.exceptionHandler(done::tryFail);
                    return done.future();
                });
        assertThat(await(status)).isEqualTo(200);
        assertThat(received[0]).isEqualTo(LARGE);
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(expected);
        await(client.close());
    }

    @Test
    void curlUploadsChunkedAndDownloadsByteExact() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        f.grant(vendor, target, List.of("GET", "PUT"), List.of("/upload", "/download"));
        long size = 64L * 1024 * 1024 + 17;
        String expected = Payload.sha256(5, size);

        Process up = new ProcessBuilder("curl", "-sS", "--fail-with-body", "--cacert", f.gatewayCertificate.toString(),
                "-H", "Authorization: " + vendor.bearer(), "-T", "-", f.base() + "/t/" + target + "/upload").start();
        CompletableFuture<Void> feeding = CompletableFuture.runAsync(() -> {
            try (OutputStream out = up.getOutputStream()) {
                for (long index = 0, done = 0; done < size; index++) {
                    int n = (int) Math.min(Payload.CHUNK, size - done);
                    out.write(Payload.chunk(5, index, n));
                    done += n;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String answer = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        feeding.get(60, TimeUnit.SECONDS);
        assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new JsonObject(answer).getString("sha256")).as(answer).isEqualTo(expected);
        assertThat(new JsonObject(answer).getLong("bytes")).isEqualTo(size);

        Process down = new ProcessBuilder("curl", "-sS", "--fail", "--cacert", f.gatewayCertificate.toString(),
                "-H", "Authorization: " + vendor.bearer(), f.base() + "/t/" + target + "/download?bytes=" + size + "&seed=5").start();
        MessageDigest digest = HttpGatewayFixture.sha256();
        long received = 0;
        try (InputStream in = down.getInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                received += n;
            }
        }
        assertThat(down.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(down.exitValue()).isZero();
        assertThat(received).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(expected);
    }
}
