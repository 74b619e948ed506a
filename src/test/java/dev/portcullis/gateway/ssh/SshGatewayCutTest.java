package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.Api;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** When a grant closes, its live sessions are cut within a second, and the vendor cannot come back. */
class SshGatewayCutTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void cutsRunningCommandWhenTheWindowEnds() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Instant now = Instant.now();
        Instant windowEnd = now.plusSeconds(4);
        Grant grant = fx.broker.grant(vendor.principal(), target, GatewayFixture.shellAsRoot(), now.minusSeconds(1), windowEnd, 5);

        VendorSsh.Running running = vendor.ssh().start(target, List.of(), "echo started; sleep 60; echo not-reached", null);
        UUID session = fx.awaitLive(grant);
        VendorSsh.Run run = running.await(Duration.ofSeconds(20));
        Instant clientGone = Instant.now();

        assertThat(run.stdout()).as(run.toString()).isEqualTo("started\n");
        assertThat(run.stderr()).contains("portcullis: session cut: the grant's window has closed");
        assertThat(run.exitStatus()).isEqualTo(255);
        assertThat(Duration.between(windowEnd, clientGone)).isLessThan(Duration.ofMillis(1500));
        fx.awaitLifecycle(e -> "ENDED".equals(e.getString("state")) && session.toString().equals(e.getString("session")));
        Row row = fx.broker.session(session).orElseThrow();
        assertThat(row.getString("end_reason")).isEqualTo("window_closed");
        Instant ended = row.getOffsetDateTime("ended_at").toInstant();
        assertThat(Duration.between(windowEnd, ended)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        List<String> recording = java.nio.file.Files.readAllLines(fx.gateway.recording(session));
        assertThat(recording.get(recording.size() - 1)).contains("\"o\"", "portcullis: session cut: the grant's window has closed");

        VendorSsh.Run again = vendor.ssh().run(target, "echo should-not-run");
        assertThat(again.exitStatus()).isEqualTo(255);
        assertThat(again.stderr()).contains("portcullis: refused: the grant's window has closed");
        assertThat(again.stdout()).isEmpty();
    }

    @Test
    void cutsSessionsWhenTheGrantIsRevoked() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        VendorSsh.Running running = vendor.ssh().start(target, List.of("-tt"), "sleep 1; echo started; sleep 60", null);
        UUID session = fx.awaitLive(grant);
        String liveLine = fx.watch(session, "started").get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(liveLine).matches("\\[[0-9]+\\.[0-9]{6}, \"o\", \"started.*\"\\]");

        Instant revoked = Instant.now();
        fx.broker.revoke(grant.id());
        VendorSsh.Run run = running.await(Duration.ofSeconds(20));

        assertThat(run.stdout()).contains("started");
        assertThat(run.stderr() + run.stdout()).contains("portcullis: session cut: the grant was revoked");
        fx.awaitLifecycle(e -> "ENDED".equals(e.getString("state")) && session.toString().equals(e.getString("session")));
        Row row = fx.broker.session(session).orElseThrow();
        assertThat(row.getString("end_reason")).isEqualTo("terminated");
        assertThat(Duration.between(revoked, row.getOffsetDateTime("ended_at").toInstant())).isLessThan(Duration.ofSeconds(1));
        assertThat(fx.broker.ledger("session:" + session)).anyMatch(e -> "session.ended".equals(e.type()));

        VendorSsh.Run again = vendor.ssh().run(target, "echo should-not-run");
        assertThat(again.stderr()).contains("portcullis: refused: the grant was revoked");
    }

    @Test
    void auditorTerminatesOneSessionThroughTheApi() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());
        VendorSsh.Running running = vendor.ssh().start(target, List.of(), "sleep 60", null);
        UUID session = fx.awaitLive(grant);
        Api api = fx.broker.harness.api();
        String auditor = fx.unique("auditor");
        Api.Answer registered = api.post("/principals", api.adminToken(), new JsonObject().put("name", auditor)
                .put("kind", "human").put("roles", new JsonArray().add("auditor")));
        String token = registered.json().getString("token");
        assertThat(api.get("/sessions?state=LIVE", token).array().stream()
                .anyMatch(s -> session.toString().equals(((JsonObject) s).getString("id")))).isTrue();

        Api.Answer terminated = api.post("/sessions/" + session + "/terminate", token, null);
        VendorSsh.Run run = running.await(Duration.ofSeconds(20));

        assertThat(terminated.status()).as(terminated.toString()).isEqualTo(200);
        assertThat(terminated.json().getString("endReason")).isEqualTo("terminated");
        assertThat(run.stderr()).contains("portcullis: session cut: terminated by " + auditor);
        Row row = fx.broker.session(session).orElseThrow();
        assertThat(row.getString("end_reason")).isEqualTo("terminated");
        assertThat(fx.broker.ledger("session:" + session)).anyMatch(e -> "session.ended".equals(e.type())
                && auditor.equals(e.actor()));
        assertThat(api.post("/sessions/" + session + "/terminate", token, null).status()).isEqualTo(404);
        assertThat(api.post("/sessions/" + session + "/terminate", vendorToken(api, vendor), null).status()).isEqualTo(403);
    }

    /** A token for the vendor's principal, issued through the admin API. */
    private static String vendorToken(Api api, GatewayFixture.Vendor vendor) {
        return api.post("/principals/" + vendor.principal().name() + "/tokens", api.adminToken(),
                new JsonObject().put("label", "test")).json().getString("token");
    }
}
