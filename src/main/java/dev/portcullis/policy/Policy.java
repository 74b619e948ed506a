package dev.portcullis.policy;

import java.util.List;

/**
 * The loaded policy: ordered rules, the first match wins, and no match denies (fail closed).
 * {@code version} is the SHA-256 of the canonical form of the parsed document, so reformatting or
 * comments do not change it but any rule change does.
 */
public record Policy(String version, String signoffGroup, List<PolicyRule> rules) {

    public static final String NO_MATCH = "(no rule)";

    public Policy {
        rules = List.copyOf(rules);
    }

    public PolicyRule evaluate(RequestFacts facts) {
        for (PolicyRule rule : rules) {
            if (rule.match().matches(facts)) {
                return rule;
            }
        }
        return new PolicyRule(NO_MATCH, PolicyRule.Match.ANY,
                new Tier.Deny("no policy rule matches this request"), java.time.Duration.ZERO, null,
                PolicyRule.BreakGlass.FORBIDDEN, true);
    }
}
