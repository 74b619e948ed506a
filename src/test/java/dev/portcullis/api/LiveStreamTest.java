package dev.portcullis.api;

import dev.portcullis.access.Directory;
import dev.portcullis.support.LiveViewer;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Role;
import dev.portcullis.gateway.ssh.GatewayFixture;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SOC's WebSocket streams against a real SSH session (real ssh client, gateway, real sshd): a session is seen
 * from its first line, live, in order, with nothing missing or repeated; a viewer that stops reading is dropped
 * while the session runs on at full speed; only auditors may watch.
 */
class LiveStreamTest {

    static GatewayFixture fx;
    static String auditorToken;
    static String vendorToken;
    static WebSocketClient client;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
        auditorToken = await(fx.broker.directory.register(fx.broker.admin, new Directory.PrincipalSpec(fx.unique("soc"),
                PrincipalKind.HUMAN, Set.of(Role.AUDITOR), Set.of(), List.of()))).token();
        vendorToken = await(fx.broker.directory.register(fx.broker.admin, new Directory.PrincipalSpec(fx.unique("nosy-vendor"),
                PrincipalKind.HUMAN, Set.of(Role.VENDOR), Set.of(), List.of()))).token();
        client = fx.broker.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1024 * 1024)
                .setMaxMessageSize(8 * 1024 * 1024));
    }

    static int apiPort() {
        return fx.broker.harness.broker().apiPort();
    }

    static LiveViewer connect(String path, String token, boolean likeABrowser) {
        return LiveViewer.connect(client, apiPort(), path, token, likeABrowser);
    }

    /** The terminal output carried by asciicast lines (their {@code o} events), in order. */
    static String output(List<String> lines) {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("[")) {
                JsonArray event = new JsonArray(line);
                if ("o".equals(event.getString(1))) {
                    out.append(event.getString(2));
                }
            }
        }
        return out.toString();
    }

    @Test
    void aRunningSessionIsStreamedFromItsFirstLineLiveInOrderWithoutGapsOrRepeats() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("live-vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        Path gate = fx.dir.resolve("gate-" + UUID.randomUUID());

        // The target (a real sshd on this machine) prints, waits until the viewer is watching, then prints more.
        VendorSsh.Running ssh = vendor.ssh().start(target, List.of(), "echo before-the-viewer; while [ ! -e " + gate
                + " ]; do sleep 0.05; done; seq 1 3000 | sed 's/^/n-/'; echo all-done", null);
        UUID session = fx.awaitLive(grant);
        LiveViewer viewer = connect("/sessions/" + session + "/live", auditorToken, false);

        List<String> seen = new ArrayList<>();
        seen.add(viewer.next());
        assertThat(new JsonObject(seen.get(0)).getInteger("version")).isEqualTo(2);
        while (!output(seen).contains("before-the-viewer")) {
            seen.add(viewer.next());
        }
        Files.createFile(gate);
        seen.addAll(viewer.untilEnd());
        VendorSsh.Run run = ssh.await(VendorSsh.DEADLINE);

        String streamed = output(seen);
        StringBuilder expected = new StringBuilder("before-the-viewer\n");
        for (int i = 1; i <= 3000; i++) {
            expected.append("n-").append(i).append('\n');
        }
        expected.append("all-done\n");
        assertThat(streamed.replace("\r", "")).isEqualTo(expected.toString());
        assertThat(run.stdout()).isEqualTo(expected.toString());
        // exactly the recording, line for line, then the end message
        List<String> file = Files.readAllLines(fx.gateway.recording(session));
        assertThat(seen.subList(0, seen.size() - 1)).isEqualTo(file);
        JsonObject end = new JsonObject(seen.get(seen.size() - 1));
        assertThat(end.getString("session")).isEqualTo(session.toString());
        assertThat(end.getString("reason")).isNotBlank();
    }

    @Test
    void aViewerThatStopsReadingIsDroppedWhileTheSessionRunsOnAtFullSpeed() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("busy-vendor"));
        String target = fx.target("quiet");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        Path gate = fx.dir.resolve("gate-" + UUID.randomUUID());
        double droppedBefore = dropped();

        VendorSsh.Running ssh = vendor.ssh().start(target, List.of(), "while [ ! -e " + gate
                + " ]; do sleep 0.05; done; seq 1 4000000; echo all-done", null);
        UUID session = fx.awaitLive(grant);
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096); // before connecting, so the window stays small
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", apiPort()));
            String status = handshake(stalled, "/api/v1/sessions/" + session + "/live");
            assertThat(status).startsWith("HTTP/1.1 101");

            // From here the viewer reads nothing; the session writes ~30 MB.
            Files.createFile(gate);
            VendorSsh.Run run = ssh.await(VendorSsh.DEADLINE);
            assertThat(run.exitStatus()).isZero();
            assertThat(run.stdoutBytes().length).isGreaterThan(30_000_000);
            assertThat(run.stdout()).endsWith("3999999\n4000000\nall-done\n");

            assertThat(dropped()).isGreaterThan(droppedBefore);
            // What the viewer gets when it finally reads: what was buffered, then the close frame saying why.
            stalled.setSoTimeout(30_000);
            assertThat(readUntil(stalled.getInputStream(), "viewer too slow: dropped")).isTrue();
        }
    }

    @Test
    void onlyAuditorsMayWatch() {
        UUID anySession = UUID.randomUUID();
        assertThat(rejection(() -> connect("/sessions/" + anySession + "/live", vendorToken, false))).isEqualTo(403);
        assertThat(rejection(() -> connect("/sessions/" + anySession + "/live", null, false))).isEqualTo(401);
        assertThat(rejection(() -> connect("/events", vendorToken, true))).isEqualTo(403);
        // an auditor asking for a session that does not exist
        assertThat(rejection(() -> connect("/sessions/" + anySession + "/live", auditorToken, false))).isEqualTo(404);
        // the refusal is ledgered like any other role refusal
        assertThat(fx.broker.ledger("api:GET /api/v1/sessions/" + anySession + "/live"))
                .anyMatch(e -> "refused".equals(e.type()));
    }

    @Test
    void aFinishedSessionReplaysItsRecordingAndEndsWithItsReason() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("done-vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        vendor.ssh().run(target, "echo finished-session-output");
        JsonObject ended = fx.awaitLifecycle(e -> "ENDED".equals(e.getString("state")) && grant.id().toString().equals(e.getString("grant")));
        UUID session = UUID.fromString(ended.getString("session"));

        LiveViewer viewer = connect("/sessions/" + session + "/live", auditorToken, true); // token as a sub-protocol, as a browser sends it
        List<String> seen = viewer.untilEnd();

        assertThat(viewer.ws().subProtocol()).isEqualTo("portcullis.v1");
        assertThat(seen.subList(0, seen.size() - 1)).isEqualTo(Files.readAllLines(fx.gateway.recording(session)));
        assertThat(output(seen)).contains("finished-session-output");
        assertThat(new JsonObject(seen.get(seen.size() - 1)).getString("reason")).isEqualTo(ended.getString("reason"));
    }

    @Test
    void theEventStreamCarriesEveryLedgerEntryAsItIsCommitted() throws Exception {
        LiveViewer viewer = connect("/events", auditorToken, true);
        String name = fx.unique("streamed-vendor");
        fx.broker.vendor(name);

        JsonObject entry;
        do {
            entry = new JsonObject(viewer.next());
        } while (!"principal.registered".equals(entry.getString("type")) || !("principal:" + name).equals(entry.getString("subject")));
        assertThat(entry.getString("hash")).hasSize(64);
        assertThat(entry.getLong("seq")).isPositive();
        viewer.ws().close();
    }

    @Test
    void aPlainGetIsToldToUpgrade() throws Exception {
        var answer = new dev.portcullis.support.Api("http://127.0.0.1:" + apiPort() + "/api/v1", auditorToken)
                .get("/sessions/" + UUID.randomUUID() + "/live", auditorToken);
        assertThat(answer.status()).isEqualTo(426);
        assertThat(answer.errorCode()).isEqualTo("upgrade_required");
    }

    /** The HTTP status with which the broker refused the upgrade. */
    private static int rejection(Runnable connecting) {
        try {
            connecting.run();
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof UpgradeRejectedException rejected) {
                    return rejected.getStatus();
                }
            }
            throw new AssertionError("refused, but not by an HTTP status", t);
        }
        throw new AssertionError("the upgrade was accepted");
    }

    private static double dropped() {
        var counter = fx.broker.harness.broker().meters().registry().find("portcullis.live.viewers.dropped").counter();
        return counter == null ? 0 : counter.count();
    }

    /** Sends a WebSocket upgrade by hand and reads the status line and headers, nothing more. */
    private static String handshake(Socket socket, String path) throws Exception {
        byte[] nonce = new byte[16];
        new java.security.SecureRandom().nextBytes(nonce);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Authorization: Bearer " + auditorToken + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static boolean readUntil(InputStream in, String text) throws Exception {
        byte[] wanted = text.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[64 * 1024];
        byte[] tail = new byte[0];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            byte[] window = new byte[tail.length + n];
            System.arraycopy(tail, 0, window, 0, tail.length);
            System.arraycopy(buffer, 0, window, tail.length, n);
            if (indexOf(window, wanted) >= 0) {
                return true;
            }
            tail = java.util.Arrays.copyOfRange(window, Math.max(0, window.length - wanted.length), window.length);
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
