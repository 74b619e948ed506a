package dev.portcullis.access;

import dev.portcullis.Broker;
import dev.portcullis.domain.Action;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.RefusalReason;
import dev.portcullis.integrity.Signatures;
import dev.portcullis.store.Grants;
import dev.portcullis.support.Api;
import dev.portcullis.support.BrokerHarness;
import dev.portcullis.support.BrokerTestBase;
import dev.portcullis.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static dev.portcullis.support.Verdicts.refusal;
import static org.assertj.core.api.Assertions.assertThat;

/** An approval binds one digest; any change to a bound field after approval breaks the grant. */
class ApprovalIntegrityTest extends BrokerTestBase {

    @Test
    void aRequestCannotBeEditedThroughTheApiOnceApproved() {
        JsonObject body = Fixtures.request("CHG-10", "vendor", "web-prod", "config", Duration.ZERO, Duration.ofHours(1));
        JsonObject filed = cast.file("vendor", body);
        JsonObject approved = cast.decide("alice", filed, "approve").json();

        Api.Answer edit = api.patch("/requests/" + filed.getString("id"), cast.token("vendor"),
                body.copy().put("scope", new JsonObject().put("ssh", new JsonObject()
                        .put("principals", new io.vertx.core.json.JsonArray().add("root")).put("interactive", true))));

        assertThat(edit.status()).isEqualTo(409);
        assertThat(edit.errorCode()).isEqualTo("request_locked");
        JsonObject after = api.get("/requests/" + filed.getString("id"), cast.token("vendor")).json();
        assertThat(after.getString("digest")).isEqualTo(approved.getString("digest"));
        assertThat(after.getJsonObject("scope").getJsonObject("ssh").getJsonArray("principals").getString(0)).isEqualTo("postgres");
    }

    @Test
    void aRequestEditedBehindTheApisBackFailsVerification() {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-11", "vendor", "app-staging", "config", Duration.ZERO, Duration.ofHours(1)));
        JsonObject approved = cast.decide("bob", filed, "approve").json();
        String grantId = approved.getJsonObject("grant").getString("id");
        assertThat(broker.verify("vendor", "app-staging", new Action.SshShell("postgres"))).isInstanceOf(Verdict.Allowed.class);

        // A superuser widens the approved request in SQL. The database tells every node to drop its cached check.
        BrokerHarness.Awaiting invalidated = broker.expect(Broker.GRANT_CHANGED_ADDRESS,
                event -> event.getString("payload").startsWith("access_requests:" + grantId));
        broker.sql("UPDATE access_requests SET scope = '{\"ssh\":{\"principals\":[\"root\"],\"interactive\":true,\"exec\":[],\"forwarding\":true,\"subsystems\":[]}}' WHERE id = $1",
                UUID.fromString(filed.getString("id")));
        invalidated.get(Duration.ofSeconds(10));

        Verdict verdict = broker.verify("vendor", "app-staging", new Action.SshShell("postgres"));
        assertThat(refusal(verdict)).isEqualTo(RefusalReason.DIGEST_MISMATCH);
        assertThat(((Verdict.Refused) verdict).grantId()).isEqualTo(UUID.fromString(grantId));
    }

    @Test
    void aGrantRowWidenedInSqlFailsItsSignature() {
        // A window that opens later: no activation runs meanwhile, and the signature is checked before the window.
        JsonObject filed = cast.file("vendor2", Fixtures.request("CHG-12", "vendor2", "app-staging", "config", Duration.ofHours(1), Duration.ofHours(1)));
        String grantId = cast.decide("alice", filed, "approve").json().getJsonObject("grant").getString("id");
        assertThat(refusal(broker.verify("vendor2", "app-staging", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.NOT_YET_ACTIVE);
        BrokerHarness.Awaiting invalidated = broker.expect(Broker.GRANT_CHANGED_ADDRESS,
                event -> event.getString("payload").startsWith("grants:" + grantId));

        broker.sql("UPDATE grants SET not_after = not_after + interval '30 days' WHERE id = $1", UUID.fromString(grantId));
        invalidated.get(Duration.ofSeconds(10));

        assertThat(refusal(broker.verify("vendor2", "app-staging", new Action.SshShell("postgres")))).isEqualTo(RefusalReason.BAD_SIGNATURE);
    }

    @Test
    void amendingAPendingRequestChangesItsDigestAndEarlierApprovalsStopCounting() {
        JsonObject body = Fixtures.request("INC-13", "vendor", "db-prod", "data-path", Duration.ZERO, Duration.ofHours(1));
        JsonObject filed = cast.file("vendor", body);
        assertThat(cast.decide("alice", filed, "approve").json().getString("state")).isEqualTo("PENDING");

        Api.Answer amended = api.patch("/requests/" + filed.getString("id"), cast.token("vendor"),
                body.copy().put("rollbackPlan", "fail over to the replica"));
        assertThat(amended.status()).as(amended.toString()).isEqualTo(200);
        JsonObject current = amended.json();
        assertThat(current.getString("digest")).isNotEqualTo(filed.getString("digest"));
        assertThat(current.getJsonArray("approvals").getJsonObject(0).getBoolean("counts")).isFalse();

        // An approver still looking at the old version is told it changed.
        Api.Answer stale = cast.decide("bob", filed, "approve");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.errorCode()).isEqualTo("digest_mismatch");

        // alice's approval of the old digest does not count: carol's sign-off alone is one of two.
        assertThat(cast.decide("carol", current, "approve").json().getString("state")).isEqualTo("PENDING");
        JsonObject approved = cast.decide("alice", current, "approve").json();
        assertThat(approved.getString("state")).isEqualTo("APPROVED");
        assertThat(approved.getJsonObject("grant").getString("requestDigest")).isEqualTo(current.getString("digest"));
    }

    @Test
    void grantsAndApprovalsVerifyWithThePublicKeyRecordedInTheLedger() throws Exception {
        JsonObject filed = cast.file("vendor", Fixtures.request("CHG-14", "vendor", "web-prod", "config", Duration.ofHours(1), Duration.ofHours(1)));
        JsonObject approved = cast.decide("bob", filed, "approve").json();
        JsonObject started = broker.sql("SELECT payload FROM ledger WHERE type = 'broker.started' ORDER BY seq DESC LIMIT 1")
                .iterator().next().getJsonObject("payload");
        PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(started.getString("publicKey"))));
        Signatures offline = new Signatures(Map.of(started.getString("keyId"), key));

        Grant grant = BrokerHarness.await(Grants.byId(broker.broker().database().pool(),
                UUID.fromString(approved.getJsonObject("grant").getString("id"))).toCompletionStage().toCompletableFuture()).orElseThrow();
        assertThat(grant.keyId()).isEqualTo(started.getString("keyId"));
        assertThat(offline.verify(Statements.grant(grant), grant.keyId(), grant.signature())).isTrue();
        assertThat(grant.requestDigest()).isEqualTo(approved.getString("digest"));
        // The digest is the canonical SHA-256 of exactly the binding fields the API shows.
        assertThat(dev.portcullis.integrity.Digests.ofCanonical(approved.getJsonObject("binding").getMap()))
                .isEqualTo(approved.getString("digest"));
    }
}
