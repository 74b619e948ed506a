package dev.portcullis.gateway.http;

import dev.portcullis.access.Directory;
import dev.portcullis.support.LiveViewer;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Role;
import dev.portcullis.support.Api;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.StandInBroker.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SOC watching an HTTP session (real upstream, real HTTP client through the gateway, real WebSocket client on
 * {@code /api/v1/sessions/{id}/live}): the exchanges made before the viewer came are replayed from the recording,
 * later ones follow live, each exactly once and in order, then the end message when the grant is revoked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpLiveStreamTest {

    private HttpGatewayFixture f;
    private String auditorToken;
    private String vendorToken;
    private WebSocketClient client;

    @BeforeAll
    void start() throws Exception {
        f = HttpGatewayFixture.shared();
        auditorToken = await(f.broker.directory.register(f.broker.admin, new Directory.PrincipalSpec(f.unique("soc"),
                PrincipalKind.HUMAN, Set.of(Role.AUDITOR), Set.of(), List.of()))).token();
        vendorToken = f.vendor().token();
        client = f.broker.vertx.createWebSocketClient(new WebSocketClientOptions());
    }

    private LiveViewer watch(UUID session, String token) {
        return LiveViewer.connect(client, f.broker.harness.broker().apiPort(), "/sessions/" + session + "/live", token, false);
    }

    private int call(HttpGatewayFixture.Vendor vendor, String method, String target, String path) {
        HttpResponse<Buffer> answer = await(f.client.request(io.vertx.core.http.HttpMethod.valueOf(method), "/t/" + target + path)
                .putHeader("authorization", vendor.bearer()).send());
        return answer.statusCode();
    }

    @Test
    void anAuditorSeesEachExchangeOnceInOrderFromTheRecordingThenLiveThenTheEndWhenTheGrantIsRevoked() throws Exception {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, List.of("GET", "POST"), List.of("/echo/**", "/missing"));
        List<String> expected = new ArrayList<>();

        // Before anyone watches: three exchanges, one of them a 404 from the target.
        assertThat(call(vendor, "GET", target, "/echo/before-1")).isEqualTo(200);
        assertThat(call(vendor, "POST", target, "/echo/before-2")).isEqualTo(200);
        assertThat(call(vendor, "GET", target, "/missing")).isEqualTo(404);
        expected.addAll(List.of("GET /echo/before-1 200", "POST /echo/before-2 200", "GET /missing 404"));
        UUID session = f.sessions(grant).get(0);

        // The console's replay serves the HTTP recording as written so far: JSON lines.
        Api api = f.broker.harness.api();
        Api.Answer recording = api.get("/sessions/" + session + "/recording", auditorToken);
        assertThat(recording.status()).as(recording.toString()).isEqualTo(200);
        assertThat(exchanges(recording.body().lines().toList())).isEqualTo(expected);

        LiveViewer first = watch(session, auditorToken);
        List<String> replayed = List.of(first.next(), first.next(), first.next());
        assertThat(exchanges(replayed)).isEqualTo(expected);

        // While it watches: more exchanges, one by one.
        for (int i = 1; i <= 10; i++) {
            assertThat(call(vendor, "GET", target, "/echo/after-" + i)).isEqualTo(200);
            expected.add("GET /echo/after-" + i + " 200");
        }
        // A second viewer joins while exchanges are under way: it must get them all, none twice.
        CompletableFuture<Void> during = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= 150; i++) {
                assertThat(call(vendor, "POST", target, "/echo/during-" + i)).isEqualTo(200);
            }
        });
        for (int i = 1; i <= 150; i++) {
            expected.add("POST /echo/during-" + i + " 200");
        }
        LiveViewer second = watch(session, auditorToken);
        during.get(60, TimeUnit.SECONDS);

        f.broker.revoke(grant.id());
        List<String> firstSaw = new ArrayList<>(replayed);
        firstSaw.addAll(first.untilEnd());
        List<String> secondSaw = second.untilEnd();

        List<String> file = Files.readAllLines(f.gateway.recording(session));
        assertThat(exchanges(file)).isEqualTo(expected);
        for (List<String> saw : List.of(firstSaw, secondSaw)) {
            assertThat(saw.subList(0, saw.size() - 1)).isEqualTo(file);
            JsonObject end = new JsonObject(saw.get(saw.size() - 1));
            assertThat(end.getString("session")).isEqualTo(session.toString());
            assertThat(end.getString("reason")).isEqualTo("terminated");
        }

        // Once ended, a new viewer gets the whole recording, then the same end message.
        List<String> afterwards = watch(session, auditorToken).untilEnd();
        assertThat(afterwards.subList(0, afterwards.size() - 1)).isEqualTo(file);
        assertThat(new JsonObject(afterwards.get(afterwards.size() - 1)).getString("reason")).isEqualTo("terminated");
    }

    @Test
    void aVendorMayNeitherWatchNorReplayAnHttpSession() {
        HttpGatewayFixture.Vendor vendor = f.vendor();
        String target = f.target();
        Grant grant = f.grant(vendor, target, List.of("GET"), List.of("/echo/**"));
        assertThat(call(vendor, "GET", target, "/echo/mine")).isEqualTo(200);
        UUID session = f.sessions(grant).get(0);

        for (String token : List.of(vendorToken, vendor.token())) {
            Throwable refused = catchRejection(() -> watch(session, token));
            assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
            assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(403);
            Api.Answer recording = f.broker.harness.api().get("/sessions/" + session + "/recording", token);
            assertThat(recording.status()).isEqualTo(403);
            assertThat(recording.errorCode()).isEqualTo("forbidden_role");
        }
        assertThat(f.broker.ledger("api:GET /api/v1/sessions/" + session + "/live")).anyMatch(e -> "refused".equals(e.type()));
    }

    /** "METHOD path status" of each recording line, in order. */
    private static List<String> exchanges(List<String> lines) {
        return lines.stream().map(JsonObject::new)
                .map(l -> l.getString("method") + " " + l.getString("path") + " " + l.getInteger("status")).toList();
    }

    private static Throwable catchRejection(Runnable connecting) {
        try {
            connecting.run();
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof UpgradeRejectedException) {
                    return c;
                }
            }
            throw new AssertionError("refused, but not by an HTTP status", t);
        }
        throw new AssertionError("the upgrade was accepted");
    }
}
