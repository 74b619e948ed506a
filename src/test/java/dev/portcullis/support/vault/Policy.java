package dev.portcullis.support.vault;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Vault ACL policy: path patterns (without {@code /v1/}) to capabilities ({@code create, read,
 * update, delete, list, sudo, deny}). A pattern is exact, ends in {@code *} (prefix), or has
 * {@code +} segments (any one segment), as in Vault's HCL policies.
 */
public record Policy(Map<String, Set<String>> rules) {

    public static final Set<String> CAPABILITIES = Set.of("create", "read", "update", "delete", "list", "sudo", "deny");

    /** Vault's built-in {@code default} policy, the part of it this server serves. */
    public static final Policy DEFAULT = new Policy(Map.of())
            .allow("auth/token/lookup-self", "read")
            .allow("auth/token/renew-self", "update")
            .allow("auth/token/revoke-self", "update")
            .allow("sys/leases/renew", "update")
            .allow("sys/leases/lookup", "update");

    public Policy {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        rules.forEach((pattern, capabilities) -> {
            for (String c : capabilities) {
                if (!CAPABILITIES.contains(c)) {
                    throw new IllegalArgumentException("unknown capability " + c + " for " + pattern + "; known: " + CAPABILITIES);
                }
            }
            copy.put(pattern, Set.copyOf(capabilities));
        });
        rules = Map.copyOf(copy);
    }

    public static Policy empty() {
        return new Policy(Map.of());
    }

    private static final java.util.regex.Pattern HCL_PATH = java.util.regex.Pattern.compile(
            "path\\s+\"([^\"]+)\"\\s*\\{\\s*capabilities\\s*=\\s*\\[([^\\]]*)\\]\\s*}");

    /**
     * A policy as {@code vault policy write} reads it from HCL: {@code path "…" { capabilities = […] }}
     * blocks and {@code #} comments. Anything else in the text (e.g. {@code allowed_parameters}) is refused.
     */
    public static Policy parseHcl(String hcl) {
        String text = hcl.replaceAll("(?m)(#|//).*$", "");
        java.util.regex.Matcher m = HCL_PATH.matcher(text);
        Policy policy = empty();
        int end = 0;
        while (m.find()) {
            if (!text.substring(end, m.start()).isBlank()) {
                throw new IllegalArgumentException("not a path block: " + text.substring(end, m.start()).strip());
            }
            String[] capabilities = java.util.Arrays.stream(m.group(2).split(","))
                    .map(c -> c.strip().replace("\"", "")).filter(c -> !c.isEmpty()).toArray(String[]::new);
            policy = policy.allow(m.group(1), capabilities);
            end = m.end();
        }
        if (!text.substring(end).isBlank()) {
            throw new IllegalArgumentException("not a path block: " + text.substring(end).strip());
        }
        return policy;
    }

    /** This policy plus {@code capabilities} on {@code pattern}. */
    public Policy allow(String pattern, String... capabilities) {
        Map<String, Set<String>> more = new HashMap<>(rules);
        Set<String> merged = new TreeSet<>(more.getOrDefault(pattern, Set.of()));
        merged.addAll(List.of(capabilities));
        more.put(pattern, merged);
        return new Policy(more);
    }

    /**
     * The capabilities that a token holding {@code policies} has on {@code path}: Vault merges the
     * policies rule by rule, then the highest-priority matching pattern decides.
     */
    static Set<String> capabilities(Collection<Policy> policies, String path) {
        Map<String, Set<String>> merged = new HashMap<>();
        for (Policy p : policies) {
            p.rules.forEach((pattern, caps) -> merged.computeIfAbsent(pattern, k -> new TreeSet<>()).addAll(caps));
        }
        Optional<String> winner = merged.keySet().stream().filter(pattern -> matches(pattern, path)).max(PRIORITY);
        return winner.map(merged::get).orElse(Set.of());
    }

    static boolean matches(String pattern, String path) {
        boolean prefix = pattern.endsWith("*");
        String body = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (!body.contains("+")) {
            return prefix ? path.startsWith(body) : path.equals(body);
        }
        String[] want = body.split("/", -1);
        String[] have = path.split("/", -1);
        if (have.length < want.length || (!prefix && have.length != want.length)) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            boolean last = i == want.length - 1;
            if (want[i].equals("+")) {
                continue;
            }
            if (last && prefix) {
                if (!have[i].startsWith(want[i])) {
                    return false;
                }
            } else if (!want[i].equals(have[i])) {
                return false;
            }
        }
        return true;
    }

    // Vault's rules, highest last: a wildcard later, no trailing *, fewer +, longer, lexically greater.
    private static final Comparator<String> PRIORITY = Comparator
            .<String>comparingInt(Policy::firstWildcard)
            .thenComparing(p -> !p.endsWith("*"))
            .thenComparing(p -> -plusCount(p))
            .thenComparingInt(String::length)
            .thenComparing(Comparator.naturalOrder());

    private static int firstWildcard(String pattern) {
        int plus = pattern.indexOf('+');
        int star = pattern.indexOf('*');
        int first = plus < 0 ? star : star < 0 ? plus : Math.min(plus, star);
        return first < 0 ? Integer.MAX_VALUE : first;
    }

    private static int plusCount(String pattern) {
        return (int) pattern.chars().filter(c -> c == '+').count();
    }
}
