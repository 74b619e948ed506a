package dev.portcullis.console;

import dev.portcullis.support.Api;
import dev.portcullis.support.Browser;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real headless Chromium against the whole broker: approvers decide with every bound field
 * in view, vendors get no approval or session controls, a bad token is told so.
 */
class ConsoleTest extends BrokerTestBase {

    private Browser browser;
    private String origin;

    @Override
    protected void started() {
        origin = api.base().replace("/api/v1", "");
        browser = Browser.start();
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void signedOut() {
        browser.forget(origin);
    }

    private void signIn(String token) {
        browser.open(origin + "/console/");
        WebElement input = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        input.sendKeys(token);
        browser.find(By.id("sign-in-button")).click();
    }

    private void signInAs(String name) {
        signIn(cast.token(name));
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), name + " ("));
    }

    private String field(WebElement card, String key) {
        return card.findElement(By.cssSelector("dd[data-field='" + key + "']")).getText();
    }

    @Test
    void approverSeesEveryBoundFieldAndWhoElseApprovedThenApproves() {
        JsonObject body = Fixtures.request("CHG-7001", "vendor", "db-prod", "config", Duration.ofHours(1), Duration.ofHours(2))
                .put("maxSessions", 3).put("expectedOutcome", "vacuum finishes, bloat under 10%")
                .put("rollbackPlan", "cancel the vacuum; nothing else changes");
        JsonObject request = cast.file("vendor", body);
        String id = request.getString("id");
        assertThat(cast.decide("carol", request, "approve").status()).isEqualTo(200);

        signInAs("alice");
        WebElement card = browser.await(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#view-approvals article[data-request='" + id + "']")));

        assertThat(field(card, "ticket")).isEqualTo("CHG-7001");
        assertThat(field(card, "requester")).isEqualTo("vendor");
        assertThat(field(card, "executor")).isEqualTo("vendor");
        assertThat(field(card, "target")).isEqualTo("db-prod");
        assertThat(field(card, "scope")).contains("SSH as postgres", "interactive shell", "no forwarding");
        assertThat(field(card, "environment")).isEqualTo("production");
        assertThat(field(card, "changeClass")).isEqualTo("config");
        assertThat(field(card, "window")).contains(request.getJsonObject("window").getString("notBefore").substring(0, 16).replace('T', ' '))
                .contains("(2 h)");
        assertThat(field(card, "maxSessions")).isEqualTo("3");
        assertThat(field(card, "expectedOutcome")).isEqualTo("vacuum finishes, bloat under 10%");
        assertThat(field(card, "rollbackPlan")).isEqualTo("cancel the vacuum; nothing else changes");
        assertThat(field(card, "emergency")).isEqualTo("no");
        assertThat(field(card, "digest")).isEqualTo(request.getString("digest"));
        assertThat(field(card, "policyRule")).isEqualTo("regulated-and-boundaries");
        assertThat(field(card, "approvalsRequired")).isEqualTo("2");
        assertThat(field(card, "customerSignoff")).isEqualTo("required");
        assertThat(card.findElement(By.cssSelector(".decisions li[data-approver='carol']")).getText()).contains("carol approved");

        browser.screenshot("approver-pending-request");
        card.findElement(By.cssSelector("textarea.comment")).sendKeys("reviewed in the console");
        card.findElement(By.cssSelector("button.approve")).click();

        WebElement decided = browser.await(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("article[data-request='" + id + "'][data-state='APPROVED'] .success")));
        assertThat(decided.getText()).contains("Your approval was recorded", "APPROVED");
        Api.Answer after = api.get("/requests/" + id, cast.token("alice"));
        assertThat(after.json().getString("state")).isEqualTo("APPROVED");
        assertThat(after.json().getJsonObject("grant")).isNotNull();
        Row approval = broker.sql("SELECT a.request_digest, a.comment FROM approvals a JOIN principals p ON p.id = a.approver_id "
                + "WHERE a.request_id = $1::uuid AND p.name = 'alice'", id).iterator().next();
        assertThat(approval.getString("request_digest")).isEqualTo(request.getString("digest"));
        assertThat(approval.getString("comment")).isEqualTo("reviewed in the console");
        assertNoCspViolations();
    }

    @Test
    void separationOfDutiesRefusalIsShownOnTheRequest() {
        JsonObject request = cast.file("sam", Fixtures.request("CHG-7002", "sam", "web-prod", "config", Duration.ofHours(1), Duration.ofHours(1)));
        String id = request.getString("id");

        signInAs("sam");
        WebElement card = browser.await(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#view-approvals article[data-request='" + id + "']")));
        card.findElement(By.cssSelector("button.approve")).click();

        WebElement error = browser.await(ExpectedConditions.visibilityOfNestedElementsLocatedBy(card, By.cssSelector(".outcome .error"))).get(0);
        assertThat(error.getText()).contains("separation_of_duties", "HTTP 403");
        browser.screenshot("approver-separation-of-duties");
        assertThat(api.get("/requests/" + id, cast.token("sam")).json().getString("state")).isEqualTo("PENDING");
        assertThat(card.findElement(By.cssSelector("button.approve")).isEnabled()).isTrue();
    }

    @Test
    void vendorSeesNoApprovalOrSessionControls() {
        JsonObject mine = cast.file("vendor2", Fixtures.request("CHG-7003", "vendor2", "web-prod", "config", Duration.ofHours(1), Duration.ofHours(1)));

        signInAs("vendor2");
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#view-requests tr[data-request='" + mine.getString("id") + "']")));

        assertThat(browser.findAll(By.cssSelector("#tabs button")).stream().map(WebElement::getText)).containsExactly("Requests");
        assertThat(browser.find(By.cssSelector("#view-requests h2")).getText()).isEqualTo("My requests");
        for (String control : List.of("#tab-approvals", "#tab-sessions", "#tab-ledger", "button.approve", "button.deny",
                "button.terminate", "button.watch", "button.replay", "#terminal")) {
            assertThat(browser.findAll(By.cssSelector(control))).as(control).isEmpty();
        }
        // what a vendor does see: their own requests only
        assertThat(browser.findAll(By.cssSelector("#view-requests tbody tr"))).allSatisfy(row ->
                assertThat(row.getText()).contains("vendor2"));
    }

    @Test
    void anAuditorHoldingTheApproverRoleAndAnAdminAreOfferedNoApprovals() {
        cast.file("vendor", Fixtures.request("CHG-7005", "vendor", "web-prod", "config", Duration.ofHours(1), Duration.ofHours(1)));
        for (String token : List.of(cast.token("audrey"), api.adminToken())) {
            browser.forget(origin);
            signIn(token);
            browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#view-requests tbody tr")));
            assertThat(browser.findAll(By.cssSelector("#tabs button")).stream().map(WebElement::getText))
                    .containsExactly("Requests", "Sessions", "Ledger");
            assertThat(browser.findAll(By.cssSelector("button.approve, button.deny"))).isEmpty();
        }
    }

    @Test
    void unknownTokenIsRefusedWithAClearMessageAndForgotten() {
        signIn("pcl_this-token-does-not-exist");

        WebElement error = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-error")));
        assertThat(error.getText()).contains("Sign-in failed", "token is unknown");
        assertThat(browser.find(By.id("tabs")).isDisplayed()).isFalse();
        assertThat(browser.find(By.id("view")).getText()).isEmpty();
        assertThat(browser.script("return sessionStorage.getItem('portcullis.token')")).isNull();
    }

    @Test
    void signingOutForgetsTheToken() {
        signInAs("auditor");
        assertThat(browser.script("return sessionStorage.getItem('portcullis.token')")).isEqualTo(cast.token("auditor"));

        browser.find(By.id("sign-out")).click();

        browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
        assertThat(browser.script("return sessionStorage.getItem('portcullis.token')")).isNull();
        assertThat(browser.findAll(By.cssSelector("#tabs button"))).isEmpty();
    }

    @Test
    void auditorPagesTheLedgerAndReadsARequestsHistory() {
        JsonObject request = cast.file("vendor", Fixtures.request("CHG-7004", "vendor", "web-prod", "config", Duration.ofHours(1), Duration.ofHours(1)));
        assertThat(cast.decide("bob", request, "approve").status()).isEqualTo(200);

        signInAs("auditor");
        assertThat(browser.findAll(By.cssSelector("#tabs button")).stream().map(WebElement::getText))
                .containsExactly("Requests", "Sessions", "Ledger");
        browser.await(ExpectedConditions.elementToBeClickable(By.cssSelector(
                "#view-requests tr[data-request='" + request.getString("id") + "'] button.history"))).click();
        WebElement history = browser.await(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".history-view[data-request='" + request.getString("id") + "']")));
        assertThat(history.findElements(By.cssSelector("tr[data-type]")).stream().map(r -> r.getAttribute("data-type")))
                .contains("request.filed", "request.approved", "grant.issued");

        for (int i = 0; broker.count("ledger") < 60; i++) {
            cast.principal("filler-" + i, "human", List.of("vendor"), List.of());
        }
        browser.find(By.id("tab-ledger")).click();
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#view-ledger tr[data-seq='1']")));
        assertThat(browser.findAll(By.cssSelector("#view-ledger tbody tr"))).hasSize(50);
        browser.find(By.cssSelector("#view-ledger button.next")).click();
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#view-ledger tr[data-seq='51']")));
        assertThat(browser.findAll(By.cssSelector("#view-ledger tr[data-seq='1']"))).isEmpty();
        browser.find(By.cssSelector("#view-ledger button.verify")).click();
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#view-ledger .verdict"), "The chain is intact"));
    }

    @Test
    void consoleIsServedByTheBrokerWithStrictHeaders() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(origin + "/console/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
                .contains("script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=").doesNotContain("http://").doesNotContain("https://");

        HttpResponse<String> xterm = http.send(HttpRequest.newBuilder(URI.create(origin + "/console/vendor/xterm/lib/xterm.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(xterm.statusCode()).isEqualTo(200);
        assertThat(xterm.body()).contains("Terminal");

        HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(origin + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("location")).hasValue("/console/");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(origin + "/console/../openapi.yaml")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isNotEqualTo(200);
    }

    private void assertNoCspViolations() {
        assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught"));
    }
}
