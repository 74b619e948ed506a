package dev.portcullis.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.integrity.Digests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyParserTest {

    private static Policy parse(String yaml) {
        return PolicyParser.parse(yaml, Digests::ofCanonical);
    }

    /** A one-rule policy named {@code r} whose body is {@code ruleBody}, indented under the list item. */
    private static String oneRule(String ruleBody) {
        StringBuilder yaml = new StringBuilder("rules:\n  - name: r\n");
        for (String line : ruleBody.split("\n")) {
            yaml.append("    ").append(line).append('\n');
        }
        return yaml.toString();
    }

    private static void refusedNamingRule(String yaml, String... fragments) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("rule r")
                .hasMessageContainingAll(fragments);
    }

    private static RequestFacts facts(String environment, String changeClass, Set<String> tags, String kind) {
        return new RequestFacts(environment, changeClass, tags, kind);
    }

    // --- evaluation ---

    @Test
    void firstMatchingRuleWins() {
        Policy policy = parse("""
                rules:
                  - name: prod-strict
                    match: {environments: [production]}
                    approvals: 2
                  - name: prod-lenient
                    match: {environments: [production]}
                    approvals: 1
                  - name: anything
                    approvals: 1
                """);

        assertThat(policy.evaluate(facts("production", "config", Set.of(), "human")).name()).isEqualTo("prod-strict");
        assertThat(policy.evaluate(facts("staging", "config", Set.of(), "human")).name()).isEqualTo("anything");
    }

    @Test
    void noMatchingRuleDenies() {
        Policy policy = parse("""
                rules:
                  - name: prod
                    match: {environments: [production]}
                    approvals: 1
                """);

        PolicyRule rule = policy.evaluate(facts("staging", "config", Set.of(), "human"));
        assertThat(rule.name()).isEqualTo(Policy.NO_MATCH);
        assertThat(rule.tier()).isInstanceOf(Tier.Deny.class);
        assertThat(rule.maxDuration()).isEqualTo(Duration.ZERO);
        assertThat(rule.breakGlass().allowed()).isFalse();
    }

    @Test
    void everyListedDimensionMustMatch() {
        Policy policy = parse("""
                rules:
                  - name: narrow
                    match:
                      environments: [production]
                      changeClasses: [config]
                      targetTags: [web]
                      executorKinds: [human]
                    approvals: 1
                """);

        assertThat(policy.evaluate(facts("production", "config", Set.of("web"), "human")).name()).isEqualTo("narrow");
        assertThat(policy.evaluate(facts("staging", "config", Set.of("web"), "human")).name()).isEqualTo(Policy.NO_MATCH);
        assertThat(policy.evaluate(facts("production", "secrets", Set.of("web"), "human")).name()).isEqualTo(Policy.NO_MATCH);
        assertThat(policy.evaluate(facts("production", "config", Set.of("db"), "human")).name()).isEqualTo(Policy.NO_MATCH);
        assertThat(policy.evaluate(facts("production", "config", Set.of("web"), "non-human")).name()).isEqualTo(Policy.NO_MATCH);
    }

    @Test
    void targetTagsMatchWhenAnyOneIsPresent() {
        Policy policy = parse("""
                rules:
                  - name: guarded
                    match: {targetTags: [regulated, backup]}
                    approvals: 2
                """);

        assertThat(policy.evaluate(facts("x", "config", Set.of("backup"), "human")).name()).isEqualTo("guarded");
        assertThat(policy.evaluate(facts("x", "config", Set.of("web", "regulated"), "human")).name()).isEqualTo("guarded");
        assertThat(policy.evaluate(facts("x", "config", Set.of("web"), "human")).name()).isEqualTo(Policy.NO_MATCH);
        assertThat(policy.evaluate(facts("x", "config", Set.of(), "human")).name()).isEqualTo(Policy.NO_MATCH);
    }

    @Test
    void ruleWithoutMatchMatchesEverything() {
        Policy policy = parse(oneRule("approvals: 1"));
        assertThat(policy.evaluate(facts("any", "secrets", Set.of("regulated"), "non-human")).name()).isEqualTo("r");
    }

    // --- defaults ---

    @Test
    void omittedSettingsTakeTheirDocumentedDefaults() {
        Policy policy = parse(oneRule("approvals: 1"));
        PolicyRule rule = policy.rules().get(0);

        assertThat(policy.signoffGroup()).isEqualTo("customer-signoff");
        assertThat(rule.tier()).isEqualTo(new Tier.Approvals(1, List.of(), false));
        assertThat(rule.maxDuration()).isEqualTo(Duration.ofHours(8));
        assertThat(rule.ticketPattern()).isNull();
        assertThat(rule.ticketProblem("anything at all")).isEmpty();
        assertThat(rule.breakGlass()).isEqualTo(PolicyRule.BreakGlass.FORBIDDEN);
        assertThat(rule.recordInput()).isFalse();
    }

    @Test
    void autoTierDefaults() {
        PolicyRule rule = parse(oneRule("auto: {}")).rules().get(0);
        assertThat(rule.tier()).isEqualTo(new Tier.Auto(true, 1, 10, Duration.ofHours(1)));
    }

    @Test
    void denyWithoutReasonNamesTheRule() {
        PolicyRule rule = parse(oneRule("deny:")).rules().get(0);
        assertThat(rule.tier()).isEqualTo(new Tier.Deny("denied by policy rule r"));
    }

    @Test
    void breakGlassWithoutDurationGetsOneHour() {
        PolicyRule rule = parse(oneRule("approvals: 1\nbreakGlass: {allowed: true}")).rules().get(0);
        assertThat(rule.breakGlass()).isEqualTo(new PolicyRule.BreakGlass(true, Duration.ofHours(1)));
    }

    @Test
    void settingsAreReadAsWritten() {
        Policy policy = parse("""
                signoffGroup: board
                rules:
                  - name: r
                    auto: {execOnly: false, maxSessions: 3, rateLimit: 7, ratePeriod: PT15M}
                    maxDuration: PT20M
                    ticketPattern: "OPS-[0-9]{4}"
                    breakGlass: {allowed: true, maxDuration: PT10M}
                    recordInput: true
                """);
        PolicyRule rule = policy.rules().get(0);

        assertThat(policy.signoffGroup()).isEqualTo("board");
        assertThat(rule.tier()).isEqualTo(new Tier.Auto(false, 3, 7, Duration.ofMinutes(15)));
        assertThat(rule.maxDuration()).isEqualTo(Duration.ofMinutes(20));
        assertThat(rule.ticketPattern().pattern()).isEqualTo("OPS-[0-9]{4}");
        assertThat(rule.breakGlass()).isEqualTo(new PolicyRule.BreakGlass(true, Duration.ofMinutes(10)));
        assertThat(rule.recordInput()).isTrue();
    }

    @Test
    void ticketPatternMustMatchTheWholeTicket() {
        PolicyRule rule = parse(oneRule("approvals: 1\nticketPattern: \"OPS-[0-9]+\"")).rules().get(0);

        assertThat(rule.ticketProblem("OPS-12")).isEmpty();
        assertThat(rule.ticketProblem("OPS-12x")).isPresent();
        assertThat(rule.ticketProblem("xOPS-12")).isPresent();
        assertThat(rule.ticketProblem("")).isPresent();
    }

    // --- strictness: every refusal names the rule ---

    @Test
    void unknownRuleKeyIsRefused() {
        refusedNamingRule(oneRule("aprovals: 2\napprovals: 1"), "aprovals");
    }

    @Test
    void unknownKeysInsideMatchAutoAndBreakGlassAreRefused() {
        refusedNamingRule(oneRule("approvals: 1\nmatch: {environment: [production]}"), "match", "environment");
        refusedNamingRule(oneRule("auto: {maxSession: 2}"), "auto", "maxSession");
        refusedNamingRule(oneRule("approvals: 1\nbreakGlass: {allow: true}"), "breakGlass", "allow");
    }

    @Test
    void unknownTopLevelKeyIsRefused() {
        assertThatThrownBy(() -> parse("signoffGroups: x\n" + oneRule("approvals: 1")))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("signoffGroups");
    }

    @Test
    void ruleWithTwoTiersIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\ndeny: nope"), "exactly one of");
        refusedNamingRule(oneRule("approvals: 1\nauto: {}"), "exactly one of");
    }

    @Test
    void ruleWithoutTierIsRefused() {
        refusedNamingRule(oneRule("maxDuration: PT1H"), "exactly one of");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4h", "PT", "P1X", "PT0S", "-PT1H", "0"})
    void badMaxDurationIsRefused(String duration) {
        refusedNamingRule(oneRule("approvals: 1\nmaxDuration: \"" + duration + "\""), duration);
    }

    @Test
    void badDurationsInsideAutoAndBreakGlassAreRefused() {
        refusedNamingRule(oneRule("auto: {ratePeriod: 1h}"), "1h");
        refusedNamingRule(oneRule("approvals: 1\nbreakGlass: {allowed: true, maxDuration: PT0S}"), "positive");
    }

    @Test
    void badTicketPatternIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\nticketPattern: \"(CHG|INC-[0-9]+\""), "ticketPattern");
    }

    @Test
    void unknownChangeClassIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\nmatch: {changeClasses: [config, data_path]}"), "data_path");
    }

    @Test
    void unknownExecutorKindIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\nmatch: {executorKinds: [robot]}"), "robot");
    }

    @Test
    void duplicateRuleNamesAreRefused() {
        assertThatThrownBy(() -> parse("""
                rules:
                  - name: same
                    approvals: 1
                  - name: other
                    approvals: 1
                  - name: same
                    deny: again
                """))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("unique")
                .hasMessageContaining("same");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "two", "true", "1.5", "[2]"})
    void approvalsMustBeAWholeNumberOfAtLeastOne(String value) {
        refusedNamingRule(oneRule("approvals: " + value), "approvals");
    }

    @ParameterizedTest
    @ValueSource(strings = {"maxSessions: 0", "rateLimit: -3", "maxSessions: 2.5", "rateLimit: true"})
    void autoLimitsMustBeWholeNumbersOfAtLeastOne(String setting) {
        refusedNamingRule(oneRule("auto: {" + setting + "}"), setting.substring(0, setting.indexOf(':')));
    }

    @ParameterizedTest
    @ValueSource(strings = {"customerSignoff: ture", "customerSignoff: \"true\"", "customerSignoff: 1",
            "recordInput: yess", "breakGlass: {allowed: 'no way'}", "auto: {execOnly: nope}"})
    void flagsMustBeBooleans(String setting) {
        String tier = setting.startsWith("auto") ? "" : "approvals: 1\n";
        refusedNamingRule(oneRule(tier + setting), setting.startsWith("breakGlass") ? "allowed"
                : setting.startsWith("auto") ? "execOnly" : setting.substring(0, setting.indexOf(':')));
    }

    @Test
    void listGivenAsScalarIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\nmatch: {environments: production}"), "list");
        refusedNamingRule(oneRule("approvals: 1\napproverGroups: admins"), "list");
    }

    @Test
    void matchThatIsNotAMappingIsRefused() {
        refusedNamingRule(oneRule("approvals: 1\nmatch: [production]"), "mapping");
    }

    @Test
    void ruleWithoutNameIsRefused() {
        assertThatThrownBy(() -> parse("rules:\n  - approvals: 1\n"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("'name'");
        assertThatThrownBy(() -> parse("rules:\n  - name: \" \"\n    approvals: 1\n"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("'name'");
    }

    @Test
    void documentWithoutRulesIsRefused() {
        assertThatThrownBy(() -> parse("signoffGroup: x\n")).isInstanceOf(PolicyException.class).hasMessageContaining("rules");
        assertThatThrownBy(() -> parse("rules: []\n")).isInstanceOf(PolicyException.class).hasMessageContaining("rules");
        assertThatThrownBy(() -> parse("")).isInstanceOf(PolicyException.class);
        assertThatThrownBy(() -> parse("- name: r\n  approvals: 1\n")).isInstanceOf(PolicyException.class)
                .hasMessageContaining("mapping");
    }

    @Test
    void invalidYamlIsRefused() {
        assertThatThrownBy(() -> parse("rules: [\n  - name: r"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void duplicateKeyIsRefusedRatherThanLastOneWinning() {
        assertThatThrownBy(() -> parse(oneRule("approvals: 2\ncustomerSignoff: true\ncustomerSignoff: false")))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("customerSignoff");
        assertThatThrownBy(() -> parse("""
                rules:
                  - name: strict
                    approvals: 2
                rules:
                  - name: lax
                    auto: {}
                """))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("rules");
    }

    // --- version ---

    private static final String BASE = """
            # Approval policy
            signoffGroup: customer-signoff
            rules:
              - name: prod
                match:
                  environments: [production]   # only production
                  targetTags: [web, db]
                approvals: 1
                maxDuration: PT4H

              - name: rest
                deny: "not allowed"
            """;

    @Test
    void versionIgnoresCommentsFormattingAndKeyOrder() {
        String reformatted = """
                rules:
                - {approvals: 1, maxDuration: "PT4H", name: prod, match: {targetTags: ["web", "db"], environments: [production]}}
                - deny: 'not allowed'
                  name: rest
                signoffGroup: "customer-signoff"
                """;
        assertThat(parse(reformatted).version()).isEqualTo(parse(BASE).version());
    }

    @Test
    void versionIsTheCanonicalDigestOfTheDocument() throws Exception {
        String asJson = """
                {"signoffGroup": "customer-signoff", "rules": [
                  {"name": "prod", "match": {"environments": ["production"], "targetTags": ["web", "db"]},
                   "approvals": 1, "maxDuration": "PT4H"},
                  {"name": "rest", "deny": "not allowed"}]}
                """;
        Object document = new ObjectMapper().readValue(asJson, Object.class);
        assertThat(parse(BASE).version()).isEqualTo(Digests.ofCanonical(document));
    }

    @Test
    void versionIsComputedByTheGivenFunction() {
        List<Object> seen = new ArrayList<>();
        Policy policy = PolicyParser.parse(oneRule("approvals: 1"), document -> {
            seen.add(document);
            return "v-test";
        });
        assertThat(policy.version()).isEqualTo("v-test");
        assertThat(seen).hasSize(1);
    }

    @Test
    void versionChangesWhenAnyRuleChanges() {
        List<String> variants = List.of(
                BASE,
                BASE.replace("approvals: 1", "approvals: 2"),
                BASE.replace("PT4H", "PT5H"),
                BASE.replace("[production]", "[production, staging]"),
                BASE.replace("[web, db]", "[db, web]"),
                BASE.replace("name: prod", "name: production"),
                BASE.replace("not allowed", "not allowed."),
                BASE.replace("signoffGroup: customer-signoff", "signoffGroup: board"),
                BASE.replace("    maxDuration: PT4H\n", "    maxDuration: PT4H\n    recordInput: false\n"),
                // the same two rules in the other order: first match wins, so this is another policy
                """
                signoffGroup: customer-signoff
                rules:
                  - name: rest
                    deny: "not allowed"
                  - name: prod
                    match: {environments: [production], targetTags: [web, db]}
                    approvals: 1
                    maxDuration: PT4H
                """);
        Set<String> versions = new HashSet<>();
        for (String variant : variants) {
            versions.add(parse(variant).version());
        }
        assertThat(versions).hasSize(variants.size());
    }
}
