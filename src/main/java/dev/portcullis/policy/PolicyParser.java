package dev.portcullis.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads {@code policies.yaml}. Strict: unknown keys, a rule with no tier or two tiers, bad durations and
 * bad patterns are start-up errors naming the rule, because a policy typo must never widen access.
 */
public final class PolicyParser {

    // A repeated key would otherwise silently replace the first, e.g. a second 'rules:' list.
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Set<String> TOP_KEYS = Set.of("signoffGroup", "rules");
    private static final Set<String> RULE_KEYS = Set.of("name", "match", "deny", "auto", "approvals", "approverGroups",
            "customerSignoff", "maxDuration", "ticketPattern", "breakGlass", "recordInput");
    private static final Set<String> MATCH_KEYS = Set.of("environments", "changeClasses", "targetTags", "executorKinds");
    private static final Set<String> AUTO_KEYS = Set.of("execOnly", "maxSessions", "rateLimit", "ratePeriod");
    private static final Set<String> BREAK_GLASS_KEYS = Set.of("allowed", "maxDuration");
    private static final Set<String> CHANGE_CLASSES = Set.of("routine", "config", "data-path", "recovery", "secrets",
            "access-tenancy");
    private static final Set<String> EXECUTOR_KINDS = Set.of("human", "non-human");

    private PolicyParser() {
    }

    /**
     * @param versionOf digests the parsed document into the policy version (the broker passes its
     *                  canonical SHA-256; taking it as a function keeps this package free of our others)
     */
    public static Policy parse(String yaml, Function<Object, String> versionOf) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new PolicyException("policies are not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException("policies must be a YAML mapping with 'rules'");
        }
        onlyKeys(root, TOP_KEYS, "policies");
        JsonNode rulesNode = root.path("rules");
        if (!rulesNode.isArray() || rulesNode.isEmpty()) {
            throw new PolicyException("policies need a non-empty 'rules' list");
        }
        List<PolicyRule> rules = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode node : rulesNode) {
            PolicyRule rule = rule(node);
            if (!names.add(rule.name())) {
                throw new PolicyException("policy rule names must be unique: " + rule.name());
            }
            rules.add(rule);
        }
        String signoffGroup = root.path("signoffGroup").asText("customer-signoff");
        String version = versionOf.apply(YAML.convertValue(root, Object.class));
        return new Policy(version, signoffGroup, rules);
    }

    private static PolicyRule rule(JsonNode node) {
        if (!node.isObject() || !node.path("name").isTextual() || node.path("name").asText().isBlank()) {
            throw new PolicyException("every policy rule needs a 'name'");
        }
        String name = node.get("name").asText();
        onlyKeys(node, RULE_KEYS, "rule " + name);
        int tiers = (node.has("deny") ? 1 : 0) + (node.has("auto") ? 1 : 0) + (node.has("approvals") ? 1 : 0);
        if (tiers != 1) {
            throw new PolicyException("rule " + name + " needs exactly one of 'deny', 'auto', 'approvals'");
        }
        Tier tier;
        if (node.has("deny")) {
            tier = new Tier.Deny(node.get("deny").asText("denied by policy rule " + name));
        } else if (node.has("auto")) {
            JsonNode auto = node.get("auto");
            onlyKeys(auto, AUTO_KEYS, "rule " + name + " auto");
            tier = new Tier.Auto(flag(auto, "execOnly", true, name), positive(auto, "maxSessions", 1, name),
                    positive(auto, "rateLimit", 10, name), duration(auto.get("ratePeriod"), Duration.ofHours(1), name));
        } else {
            tier = new Tier.Approvals(positive(node, "approvals", 0, name), strings(node.get("approverGroups"), name),
                    flag(node, "customerSignoff", false, name));
        }
        Duration maxDuration = duration(node.get("maxDuration"), Duration.ofHours(8), name);
        Pattern ticket = null;
        if (node.hasNonNull("ticketPattern")) {
            try {
                ticket = Pattern.compile(node.get("ticketPattern").asText());
            } catch (PatternSyntaxException e) {
                throw new PolicyException("rule " + name + ": bad ticketPattern: " + e.getDescription());
            }
        }
        PolicyRule.BreakGlass breakGlass = PolicyRule.BreakGlass.FORBIDDEN;
        if (node.has("breakGlass")) {
            JsonNode bg = node.get("breakGlass");
            onlyKeys(bg, BREAK_GLASS_KEYS, "rule " + name + " breakGlass");
            breakGlass = new PolicyRule.BreakGlass(flag(bg, "allowed", false, name),
                    duration(bg.get("maxDuration"), Duration.ofHours(1), name));
        }
        return new PolicyRule(name, match(node.get("match"), name), tier, maxDuration, ticket, breakGlass,
                flag(node, "recordInput", false, name));
    }

    private static PolicyRule.Match match(JsonNode node, String rule) {
        if (node == null || node.isNull()) {
            return PolicyRule.Match.ANY;
        }
        onlyKeys(node, MATCH_KEYS, "rule " + rule + " match");
        List<String> classes = strings(node.get("changeClasses"), rule);
        List<String> kinds = strings(node.get("executorKinds"), rule);
        for (String c : classes) {
            if (!CHANGE_CLASSES.contains(c)) {
                throw new PolicyException("rule " + rule + ": unknown change class '" + c + "'; known: " + CHANGE_CLASSES);
            }
        }
        for (String k : kinds) {
            if (!EXECUTOR_KINDS.contains(k)) {
                throw new PolicyException("rule " + rule + ": unknown executor kind '" + k + "'; known: " + EXECUTOR_KINDS);
            }
        }
        return new PolicyRule.Match(strings(node.get("environments"), rule), classes,
                strings(node.get("targetTags"), rule), kinds);
    }

    private static List<String> strings(JsonNode node, String rule) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new PolicyException("rule " + rule + ": expected a list, got " + node);
        }
        List<String> values = new ArrayList<>();
        node.forEach(n -> values.add(n.asText()));
        return values;
    }

    private static int positive(JsonNode node, String field, int fallback, String rule) {
        if (!node.has(field)) {
            return fallback;
        }
        // Jackson's asInt would read true as 1 and 1.5 as 1; a policy number must be written as one.
        JsonNode value = node.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw new PolicyException("rule " + rule + ": '" + field + "' must be a whole number ≥ 1");
        }
        return value.intValue();
    }

    /** Only a YAML boolean: asBoolean would read a typo such as {@code ture} as false and so drop a safeguard. */
    private static boolean flag(JsonNode node, String field, boolean fallback, String rule) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new PolicyException("rule " + rule + ": '" + field + "' must be true or false, got " + value);
        }
        return value.booleanValue();
    }

    private static Duration duration(JsonNode node, Duration fallback, String rule) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        try {
            Duration d = Duration.parse(node.asText());
            if (d.isNegative() || d.isZero()) {
                throw new PolicyException("rule " + rule + ": durations must be positive: " + node.asText());
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new PolicyException("rule " + rule + ": '" + node.asText() + "' is not an ISO-8601 duration such as PT4H");
        }
    }

    private static void onlyKeys(JsonNode node, Set<String> allowed, String where) {
        if (!node.isObject()) {
            throw new PolicyException(where + " must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new PolicyException(where + ": unknown key '" + key + "'; allowed: " + allowed);
            }
        }
    }
}
