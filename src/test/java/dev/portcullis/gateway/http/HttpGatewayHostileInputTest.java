package dev.portcullis.gateway.http;

import dev.portcullis.integrity.LedgerChain;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests no well-behaved client sends, written byte for byte on a raw TLS socket: each is refused with a clear
 * status and a ledger entry, and none reaches the target.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayHostileInputTest {

    private HttpGatewayFixture f;
    private HttpGatewayFixture.Vendor vendor;
    private String target;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
        vendor = f.vendor();
        target = f.target();
        f.grant(vendor, target, List.of("GET", "POST"), List.of("/echo/**"));
    }

    /** Sends {@code raw} and reads until the gateway closes the connection (or 15 s pass). */
    private String send(String raw) throws Exception {
        try (Socket socket = f.rawSocket()) {
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(socket.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | javax.net.ssl.SSLException ended) {
            // what arrived is the answer
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\nConnection: close\r\n\r\n";
    }

    private void assertRefused(String answer, int status, String code) {
        // A request line too long to parse has no version to echo: Vert.x answers those as HTTP/1.0.
        assertThat(answer).as(answer).matches("(?s)HTTP/1\\.[01] " + status + " .*");
        assertThat(answer).contains("\"code\":\"" + code + "\"");
    }

    private LedgerChain.Entry awaitRefusal(String subject, String reason) {
        return f.awaitLedger(subject, e -> e.type().equals("http.refused")
                && reason.equals(HttpGatewayScopeTest.payload(e).get("reason")));
    }

    @Test
    void pathTraversalOutOfTheTargetIsRefused() throws Exception {
        int before = f.seen.size();
        assertRefused(send(get("/t/" + target + "/../admin")), 400, "path_traversal");
        assertRefused(send(get("/t/" + target + "/echo/../../admin")), 400, "path_traversal");
        assertRefused(send(get("/t/../" + target + "/echo")), 400, "bad_path");
        Process curl = new ProcessBuilder("curl", "-sS", "--path-as-is", "--cacert", f.gatewayCertificate.toString(),
                "-H", "Authorization: " + vendor.bearer(), "-w", "\n%{http_code}", f.base() + "/t/" + target + "/../admin").start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).endsWith("\n400").contains("path_traversal");
        LedgerChain.Entry entry = awaitRefusal("target:" + target, "path_traversal");
        assertThat(HttpGatewayScopeTest.payload(entry)).containsEntry("status", 400).containsEntry("method", "GET");
        assertThat(f.seen.size()).isEqualTo(before);
    }

    @Test
    void encodedDotsSlashesAndDoubleEncodingAreRefused() throws Exception {
        int before = f.seen.size();
        Map<String, String> cases = Map.of(
                "/echo/%2e%2e/admin", "encoded_dot",
                "/echo/%2E%2E%2Fadmin", "encoded_dot",
                "/echo/a%2fb", "encoded_slash",
                "/echo/a%5cb", "encoded_slash",
                "/echo/%252e%252e/admin", "double_encoding",
                "/echo/a%00b", "bad_path",
                "/echo/a%zz", "bad_path",
                "/echo/a\\b", "bad_path");
        for (var c : cases.entrySet()) {
            assertRefused(send(get("/t/" + target + c.getKey())), 400, c.getValue());
        }
        awaitRefusal("target:" + target, "encoded_slash");
        awaitRefusal("target:" + target, "double_encoding");
        assertThat(f.seen.size()).isEqualTo(before);
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedAsSmuggling() throws Exception {
        int before = f.seen.size();
        // Had the front end trusted Content-Length and the back end chunked, "GPOST /echo/smuggled" would be a second request.
        String smuggle = "POST /t/" + target + "/echo/front HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\n"
                + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGPOST /t/" + target + "/echo/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n";
        long started = System.nanoTime();
        String answer = send(smuggle);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("closed at once, not left open").isLessThan(Duration.ofSeconds(5));
        assertRefused(answer, 400, "request_smuggling");
        assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer, then the connection is closed").hasSize(2);
        awaitRefusal("gateway:http", "request_smuggling");
        assertThat(f.seen.size()).isEqualTo(before);
    }

    @Test
    void duplicatedContentLengthIsRefusedAsSmuggling() throws Exception {
        int before = f.seen.size();
        String answer = send("POST /t/" + target + "/echo/dup HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\n"
                + "Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd");
        assertRefused(answer, 400, "request_smuggling");
        String same = send("POST /t/" + target + "/echo/dup HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\n"
                + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd");
        assertRefused(same, 400, "request_smuggling");
        String coded = send("POST /t/" + target + "/echo/dup HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
        assertRefused(coded, 400, "request_smuggling");
        assertThat(f.seen.size()).isEqualTo(before);
    }

    @Test
    void oversizedUriAndHeadersAreRefused() throws Exception {
        String longUri = send(get("/t/" + target + "/echo/" + "a".repeat(5000)));
        assertRefused(longUri, 414, "uri_too_long");
        String bigHeaders = send("GET /t/" + target + "/echo/x HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer()
                + "\r\nX-Padding: " + "b".repeat(9000) + "\r\n\r\n");
        assertRefused(bigHeaders, 431, "headers_too_large");
        awaitRefusal("gateway:http", "uri_too_long");
        awaitRefusal("gateway:http", "headers_too_large");
    }

    @Test
    void slowLorisClientIsCutOffAfterTheHeaderTimeout() throws Exception {
        try (Socket socket = f.rawSocket()) {
            OutputStream out = socket.getOutputStream();
            Instant start = Instant.now();
            out.write(("GET /t/" + target + "/echo/slow HTTP/1.1\r\nHost: gw\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = dripHeadersUntilClosed(socket);
            Duration took = Duration.between(start, Instant.now());
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("header_timeout");
            assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(5));
        }
        awaitRefusal("gateway:http", "header_timeout");
    }

    /**
     * The header clock of a keep-alive connection restarts with each request: a second request that drips its
     * headers gets the whole timeout from its own first byte — not what was left of the connection's first clock —
     * and is then cut off all the same.
     */
    @Test
    void theSecondRequestOfAConnectionGetsItsOwnHeaderTimeout() throws Exception {
        try (Socket socket = f.rawSocket()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // A client that waits before its first request: the connection's first clock (2 s) is half gone.
            Thread.sleep(1200);
            out.write(("GET /t/" + target + "/echo/first HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer()
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.setSoTimeout(5000);
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            while (!first.toString(StandardCharsets.ISO_8859_1).contains("/echo/first")) {
                int n = in.read(buffer);
                assertThat(n).as("the first answer").isPositive();
                first.write(buffer, 0, n);
            }
            assertThat(first.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 ");

            Instant start = Instant.now();
            out.write(("GET /t/" + target + "/echo/second HTTP/1.1\r\nHost: gw\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = dripHeadersUntilClosed(socket);
            Duration took = Duration.between(start, Instant.now());
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("header_timeout");
            assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(5));
        }
    }

    @Test
    void aRefusedRequestLeavesTheKeepAliveConnectionUsable() throws Exception {
        try (Socket socket = f.rawSocket()) {
            OutputStream out = socket.getOutputStream();
            String refused = "DELETE /t/" + target + "/echo/keep HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer() + "\r\n\r\n";
            String allowed = "GET /t/" + target + "/echo/keep HTTP/1.1\r\nHost: gw\r\nAuthorization: " + vendor.bearer()
                    + "\r\nConnection: close\r\n\r\n";
            out.write((refused + allowed).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answers = readAll(socket.getInputStream());
            assertThat(answers).startsWith("HTTP/1.1 403 ").contains("out_of_scope");
            assertThat(answers.indexOf("HTTP/1.1 200 ")).as(answers).isPositive();
        }
    }

    /**
     * Sends a header line every 250 ms (the socket's read timeout) for up to 10 s, collecting what the gateway
     * answers, until it closes the connection; answers what it sent.
     */
    private static String dripHeadersUntilClosed(Socket socket) throws java.io.IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        socket.setSoTimeout(250);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        boolean closed = false;
        for (int i = 0; i < 40 && !closed; i++) {
            try {
                out.write(("X-Drip-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (java.io.IOException gone) {
                closed = true;
            }
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    closed = true;
                } else {
                    got.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException nothingYet) {
                // keep dripping
            } catch (java.io.IOException gone) {
                closed = true;
            }
        }
        return got.toString(StandardCharsets.US_ASCII);
    }
}
