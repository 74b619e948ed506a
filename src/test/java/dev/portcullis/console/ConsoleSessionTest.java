package dev.portcullis.console;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.support.Api;
import dev.portcullis.support.Browser;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.OpenSshTarget;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An auditor in a real headless Chromium watches a real SSH session (real ssh client, gateway, real sshd) live in
 * the console's terminal view, sees its output appear, cuts it, and replays the recording.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleSessionTest {

    private Path dir;
    private StandInBroker broker;
    private OpenSshTarget sshd;
    private SshGateway gateway;
    private Browser browser;
    private Api api;
    private String origin;
    private String auditorToken;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("portcullis-console-test-");
        broker = StandInBroker.start(dir.resolve("data"));
        sshd = OpenSshTarget.start(dir.resolve("data/ca/ssh_user_ca.pub"));
        gateway = broker.gateway();
        api = broker.harness.api();
        origin = api.base().replace("/api/v1", "");
        auditorToken = register("soc-auditor", "auditor");
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
            if (sshd != null) {
                sshd.close();
            }
        } finally {
            broker.close();
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String register(String name, String role) {
        Api.Answer answer = api.post("/principals", api.adminToken(), new JsonObject().put("name", name).put("kind", "human")
                .put("roles", new JsonArray().add(role)));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
        return answer.json().getString("token");
    }

    /** What the terminal view shows, as text (xterm.js's screen-reader mirror of its screen). */
    private String screen() {
        Object text = browser.script("const t = document.querySelector('#terminal .xterm-accessibility-tree');"
                + "return t ? t.textContent : '';");
        return String.valueOf(text);
    }

    private ExpectedCondition<Boolean> screenShows(String text) {
        return driver -> screen().contains(text);
    }

    @Test
    void auditorWatchesALiveSessionSeesItsOutputAndTerminatesIt() throws Exception {
        VendorSsh ssh = VendorSsh.create(dir.resolve("vendors/eve"), KeyPairProvider.SSH_ED25519, 256, gateway.port(), gateway.hostKeyLine());
        Principal vendor = broker.vendor("eve", ssh.publicKeyLine());
        broker.sshTarget("db-console", "test", sshd.host(), sshd.port(), sshd.hostKeyLine());
        Grant grant = broker.grant(vendor, "db-console", Map.of("principals", List.of("root"), "interactive", true), Duration.ofHours(1));
        // The session prints one line, then whatever the test writes into this pipe once the auditor is watching.
        Path pipe = dir.resolve("later");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
        BrokerHarness.Awaiting live = broker.harness.expect(SshGateway.SESSIONS_ADDRESS,
                e -> "LIVE".equals(e.getString("state")) && grant.id().toString().equals(e.getString("grant")));
        VendorSsh.Running running = ssh.start("db-console", List.of(), "echo first-marker-$((6*7)); cat " + pipe + "; sleep 300", null);
        UUID session = UUID.fromString(live.get(Duration.ofSeconds(30)).getString("session"));

        browser.open(origin + "/console/");
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(auditorToken);
        browser.find(By.id("sign-in-button")).click();
        browser.await(ExpectedConditions.elementToBeClickable(By.id("tab-sessions"))).click();
        WebElement row = browser.await(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#live-sessions tr[data-session='" + session + "']")));
        assertThat(row.getText()).contains("eve", "db-console", "CHG-");

        row.findElement(By.cssSelector("button.watch")).click();
        browser.await(screenShows("first-marker-42"));
        browser.await(ExpectedConditions.textToBe(By.id("player-status"), "Live"));
        Files.writeString(pipe, "second-marker-written-while-watching\n");
        browser.await(screenShows("second-marker-written-while-watching"));
        browser.screenshot("auditor-watching-live-session");

        row = browser.find(By.cssSelector("#live-sessions tr[data-session='" + session + "']"));
        row.findElement(By.cssSelector("button.terminate")).click();
        row.findElement(By.cssSelector("button.confirm-terminate")).click();

        WebElement notice = browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#session-notice .success")));
        assertThat(notice.getText()).contains("terminated");
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("player-status"), "the session ended (terminated)"));
        VendorSsh.Run run = running.await(Duration.ofSeconds(30));
        assertThat(run.stderr()).contains("portcullis: session cut: terminated by soc-auditor");
        assertThat(broker.session(session).orElseThrow().getString("end_reason")).isEqualTo("terminated");
        assertThat(broker.ledger("session:" + session)).anyMatch(e -> "session.ended".equals(e.type()) && "soc-auditor".equals(e.actor()));

        // the recording, replayed in the same terminal view
        browser.find(By.cssSelector("#view-sessions button.refresh")).click();
        browser.await(ExpectedConditions.elementToBeClickable(By.cssSelector("#ended-sessions tr[data-session='" + session + "'] button.replay"))).click();
        browser.await(ExpectedConditions.attributeToBe(By.id("player-status"), "data-state", "finished"), Duration.ofSeconds(30));
        assertThat(screen()).contains("first-marker-42", "second-marker-written-while-watching");
        browser.screenshot("auditor-replaying-recording");
        assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught"));
    }

    @Test
    void recordingsAreForAuditorsAndAdminsOnlyAndTheSessionIsInTheRequestsHistory() throws Exception {
        VendorSsh ssh = VendorSsh.create(dir.resolve("vendors/mallory"), KeyPairProvider.SSH_ED25519, 256, gateway.port(), gateway.hostKeyLine());
        Principal vendor = broker.vendor("mallory", ssh.publicKeyLine());
        broker.sshTarget("db-recorded", "test", sshd.host(), sshd.port(), sshd.hostKeyLine());
        Grant grant = broker.grant(vendor, "db-recorded", Map.of("principals", List.of("root"), "interactive", true), Duration.ofHours(1));
        BrokerHarness.Awaiting ended = broker.harness.expect(SshGateway.SESSIONS_ADDRESS,
                e -> "ENDED".equals(e.getString("state")) && grant.id().toString().equals(e.getString("grant")));
        assertThat(ssh.run("db-recorded", "echo recorded-output").stdout()).isEqualTo("recorded-output\n");
        UUID session = UUID.fromString(ended.get(Duration.ofSeconds(30)).getString("session"));
        String vendorToken = api.post("/principals/mallory/tokens", api.adminToken(), new JsonObject().put("label", "t")).json().getString("token");

        Api.Answer asAuditor = api.get("/sessions/" + session + "/recording", auditorToken);
        Api.Answer asAdmin = api.get("/sessions/" + session + "/recording", api.adminToken());
        Api.Answer asVendor = api.get("/sessions/" + session + "/recording", vendorToken);
        Api.Answer unknown = api.get("/sessions/" + UUID.randomUUID() + "/recording", auditorToken);

        assertThat(asAuditor.status()).isEqualTo(200);
        assertThat(asAuditor.body().lines().findFirst().orElseThrow()).contains("\"version\": 2");
        assertThat(asAuditor.body()).contains("recorded-output");
        assertThat(asAuditor.body()).isEqualTo(Files.readString(gateway.recording(session)));
        assertThat(asAdmin.status()).isEqualTo(200);
        assertThat(asVendor.status()).isEqualTo(403);
        assertThat(asVendor.errorCode()).isEqualTo("forbidden_role");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(broker.ledger("api:GET /api/v1/sessions/" + session + "/recording")).anyMatch(e -> "refused".equals(e.type()));

        // and the request's history names the session, start and end
        Api.Answer history = api.get("/requests/" + grant.requestId() + "/history", auditorToken);
        assertThat(history.array().stream().map(e -> ((JsonObject) e).getString("type")))
                .containsSubsequence("request.filed", "grant.issued", "session.started", "session.ended");
    }
}
