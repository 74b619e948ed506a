package dev.portcullis.sessions;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hook later work hangs on grant closing (cutting sessions, revoking leases): a grant is CLOSED only
 * when every hook has finished; a failing hook leaves it CLOSE_FAILED, recorded, and retried.
 */
class GrantClosingTest extends BrokerTestBase {

    final List<String> closed = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();

    @Override
    protected void started() {
        broker.broker().scheduler().addClosingHook(new GrantClosingHook() {
            public String name() {
                return "test-leases";
            }

            public Future<Void> close(Grant grant, String reason) {
                if (failuresLeft.getAndDecrement() > 0) {
                    return Future.failedFuture(new IllegalStateException("lease lookup still answers for lease-42"));
                }
                closed.add(grant.id() + ":" + reason);
                return Future.succeededFuture();
            }
        });
    }

    @Test
    void aFailingClosingStepLeavesTheGrantCloseFailedUntilARetrySucceeds() {
        failuresLeft.set(1);
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-80", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofSeconds(2)));
        String id = cast.decide("alice", filed, "approve").json().getJsonObject("grant").getString("id");
        BrokerHarness.Awaiting failed = WindowSchedulerTest.transition(broker, "grant", id, "CLOSE_FAILED");
        BrokerHarness.Awaiting done = WindowSchedulerTest.transition(broker, "grant", id, "CLOSED");

        failed.get(Duration.ofSeconds(10));
        var failure = broker.sql("SELECT payload FROM ledger WHERE type = 'grant.close_failed' AND subject = $1", "grant:" + id);
        assertThat(failure.size()).isEqualTo(1);
        assertThat(failure.iterator().next().getJsonObject("payload").getString("failure")).contains("test-leases").contains("lease-42");

        done.get(Duration.ofSeconds(15));
        assertThat(closed).contains(id + ":window_closed");
        assertThat(api.get("/grants/" + id, cast.token("vendor")).json().getString("state")).isEqualTo("CLOSED");
    }

    @Test
    void everyClosingHookRunsOnRevokeWithTheReason() {
        failuresLeft.set(0);
        JsonObject filed = cast.file("vendor2", Fixtures.request("CHG-81", "vendor2", "web-prod", "config", Duration.ZERO, Duration.ofHours(1)));
        String id = cast.decide("bob", filed, "approve").json().getJsonObject("grant").getString("id");
        BrokerHarness.Awaiting done = WindowSchedulerTest.transition(broker, "grant", id, "CLOSED");

        api.post("/grants/" + id + "/revoke", cast.token("alice"), new JsonObject().put("reason", "incident over"));

        done.get(Duration.ofSeconds(10));
        assertThat(closed).contains(id + ":revoked");
    }
}
