package dev.portcullis.sessions;

import dev.portcullis.access.Verdict;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.support.Verdicts.refusal;
import static org.assertj.core.api.Assertions.assertThat;

/** Stopping and starting the broker on the same data directory loses no grant, timer or ledger link. */
class RestartTest extends BrokerTestBase {

    @Test
    void grantsTimersAndTheLedgerChainContinueAfterARestart() {
        String token = broker.adminToken();
        // A: its whole window passes while the broker is down. B: opens and closes after the restart.
        JsonObject a = cast.file("vendor", Fixtures.request("CHG-40", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofSeconds(3)));
        String grantA = cast.decide("alice", a, "approve").json().getJsonObject("grant").getString("id");
        JsonObject b = cast.file("vendor2", Fixtures.request("CHG-41", "vendor2", "web-prod", "config",
                Duration.ofSeconds(6), Duration.ofSeconds(2)));
        String grantB = cast.decide("alice", b, "approve").json().getJsonObject("grant").getString("id");
        JsonObject pending = cast.file("vendor", Fixtures.request("CHG-42", "vendor", "app-staging", "config",
                Duration.ZERO, Duration.ofSeconds(5)));
        Instant aEnds = Instant.parse(a.getJsonObject("window").getString("notAfter"));
        long entriesBefore = broker.count("ledger");

        broker.stopBroker();
        waitForWallClock(aEnds.plusMillis(200));
        BrokerHarness.Awaiting aClosed = transitionOnRestart("grant", grantA, "CLOSED");
        broker.restart();
        BrokerHarness.Awaiting bActive = WindowSchedulerTest.transition(broker, "grant", grantB, "ACTIVE");
        BrokerHarness.Awaiting bClosed = WindowSchedulerTest.transition(broker, "grant", grantB, "CLOSED");
        BrokerHarness.Awaiting lapsed = WindowSchedulerTest.transition(broker, "request", pending.getString("id"), "LAPSED");

        assertThat(broker.adminToken()).isEqualTo(token);
        assertThat(aClosed.get(Duration.ofSeconds(10)).getString("reason")).isEqualTo("window_closed");
        assertThat(refusal(broker.verify("vendor", "web-prod", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.WINDOW_CLOSED);
        bActive.get(Duration.ofSeconds(15));
        assertThat(broker.verify("vendor2", "web-prod", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);
        bClosed.get(Duration.ofSeconds(10));
        lapsed.get(Duration.ofSeconds(10));

        Api api = broker.api();
        JsonObject verify = api.get("/ledger/verify", api.adminToken()).json();
        assertThat(verify.getBoolean("valid")).isTrue();
        assertThat(verify.getLong("entries")).isGreaterThan(entriesBefore);
        long restarts = broker.sql("SELECT count(*) AS n FROM ledger WHERE type = 'broker.started'").iterator().next().getLong("n");
        assertThat(restarts).isEqualTo(2);
        assertThat(broker.count("principals")).isEqualTo(11);
    }

    /** The closing of A is announced during start-up (overdue timers fire at once), so listen before restarting. */
    private BrokerHarness.Awaiting transitionOnRestart(String key, String id, String state) {
        return WindowSchedulerTest.transition(broker, key, id, state);
    }

    /**
     * The scenario needs wall-clock time to pass while no broker runs; there is no event to await because
     * nothing is running. This waits for that instant, not for any work to finish.
     */
    private static void waitForWallClock(Instant instant) {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS)).join();
        }
    }
}
