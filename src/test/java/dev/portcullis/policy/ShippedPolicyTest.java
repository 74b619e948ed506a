package dev.portcullis.policy;

import dev.portcullis.integrity.Digests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy the broker ships with, {@code config/policies.yaml}, read from the project root. */
class ShippedPolicyTest {

    private static Policy policy;

    @BeforeAll
    static void load() throws IOException {
        Path file = Path.of(System.getProperty("basedir", "."), "config", "policies.yaml");
        policy = PolicyParser.parse(Files.readString(file), Digests::ofCanonical);
    }

    private static PolicyRule evaluate(String environment, String changeClass, Set<String> tags, String executorKind) {
        return policy.evaluate(new RequestFacts(environment, changeClass, tags, executorKind));
    }

    @Test
    void shippedPolicyParsesWithItsRulesInFileOrder() {
        assertThat(policy.signoffGroup()).isEqualTo("customer-signoff");
        assertThat(policy.rules()).extracting(PolicyRule::name).containsExactly("regulated-and-boundaries",
                "production-data-path", "pipeline-routine", "production-change", "non-production", "everything-else");
        assertThat(policy.version()).matches("[0-9a-f]{64}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"regulated", "backup", "tenant-boundary"})
    void anyGuardedTargetTagNeedsTwoApprovalsWithCustomerSignoffEvenOutsideProduction(String tag) {
        PolicyRule rule = evaluate("staging", "routine", Set.of("web", tag), "non-human");

        assertThat(rule.name()).isEqualTo("regulated-and-boundaries");
        assertThat(rule.tier()).isEqualTo(new Tier.Approvals(2, List.of("customer-admins", "customer-signoff"), true));
        assertThat(rule.maxDuration()).isEqualTo(Duration.ofHours(4));
        assertThat(rule.recordInput()).isTrue();
        assertThat(rule.breakGlass()).isEqualTo(new PolicyRule.BreakGlass(true, Duration.ofHours(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"data-path", "recovery", "secrets", "access-tenancy"})
    void productionDataPathChangesNeedCustomerSignoff(String changeClass) {
        PolicyRule rule = evaluate("production", changeClass, Set.of(), "human");

        assertThat(rule.name()).isEqualTo("production-data-path");
        assertThat(rule.tier()).isInstanceOfSatisfying(Tier.Approvals.class, t -> {
            assertThat(t.count()).isEqualTo(2);
            assertThat(t.customerSignoff()).isTrue();
        });
    }

    @Test
    void routinePipelineWorkIsPreApprovedAutomation() {
        PolicyRule rule = evaluate("production", "routine", Set.of(), "non-human");

        assertThat(rule.name()).isEqualTo("pipeline-routine");
        assertThat(rule.tier()).isEqualTo(new Tier.Auto(true, 5, 20, Duration.ofHours(1)));
        assertThat(rule.maxDuration()).isEqualTo(Duration.ofMinutes(30));
        assertThat(rule.breakGlass().allowed()).isFalse();
    }

    @Test
    void routineWorkByAHumanInProductionNeedsOneApproval() {
        PolicyRule rule = evaluate("production", "routine", Set.of(), "human");

        assertThat(rule.name()).isEqualTo("production-change");
        assertThat(rule.tier()).isEqualTo(new Tier.Approvals(1, List.of("customer-admins"), false));
    }

    @Test
    void nonHumanDataPathWorkInProductionIsNotAutomatic() {
        assertThat(evaluate("production", "data-path", Set.of(), "non-human").name()).isEqualTo("production-data-path");
        assertThat(evaluate("production", "config", Set.of(), "non-human").name()).isEqualTo("production-change");
    }

    @ParameterizedTest
    @ValueSource(strings = {"staging", "development", "test"})
    void nonProductionNeedsOneApprovalFromAnyApprover(String environment) {
        PolicyRule rule = evaluate(environment, "secrets", Set.of("web"), "human");

        assertThat(rule.name()).isEqualTo("non-production");
        assertThat(rule.tier()).isEqualTo(new Tier.Approvals(1, List.of(), false));
        assertThat(rule.maxDuration()).isEqualTo(Duration.ofHours(12));
        assertThat(rule.ticketPattern()).isNull();
    }

    @Test
    void unknownEnvironmentFallsThroughToTheCatchAllDeny() {
        PolicyRule rule = evaluate("lab", "config", Set.of(), "human");

        assertThat(rule.name()).isEqualTo("everything-else");
        assertThat(rule.tier()).isInstanceOfSatisfying(Tier.Deny.class,
                d -> assertThat(d.reason()).contains("no policy rule allows this combination"));
    }

    @Test
    void productionTicketsMustBeChangeOrIncidentNumbers() {
        PolicyRule rule = evaluate("production", "config", Set.of(), "human");

        assertThat(rule.ticketProblem("CHG-1234")).isEmpty();
        assertThat(rule.ticketProblem("INC-7")).isEmpty();
        assertThat(rule.ticketProblem("chg-1234")).isPresent();
        assertThat(rule.ticketProblem("PRJ-1234")).isPresent();
        assertThat(rule.ticketProblem("CHG-")).isPresent();
    }

    @Test
    void ticketPatternMustMatchTheWholeTicket() {
        PolicyRule rule = evaluate("production", "config", Set.of(), "human");

        assertThat(rule.ticketProblem("XCHG-1234")).isPresent();
        assertThat(rule.ticketProblem("CHG-1234 plus a note")).isPresent();
        assertThat(rule.ticketProblem("see CHG-1234")).isPresent();
        assertThat(rule.ticketProblem("CHG-1234\n")).isPresent();
        assertThat(rule.ticketProblem("CHG-12a")).get().asString()
                .contains("CHG-12a").contains("(CHG|INC)-[0-9]+").contains("production-change");
    }
}
