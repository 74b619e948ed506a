package dev.portcullis.policy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One ordered rule of {@code policies.yaml}: what it matches, the tier it yields, and the limits it
 * puts on requests it governs.
 */
public record PolicyRule(String name, Match match, Tier tier, Duration maxDuration, Pattern ticketPattern,
                         BreakGlass breakGlass, boolean recordInput) {

    /** Every listed dimension must match; an empty list matches anything. Target tags match if any is present. */
    public record Match(List<String> environments, List<String> changeClasses, List<String> targetTags,
                        List<String> executorKinds) {

        public static final Match ANY = new Match(List.of(), List.of(), List.of(), List.of());

        boolean matches(RequestFacts facts) {
            return (environments.isEmpty() || environments.contains(facts.environment()))
                    && (changeClasses.isEmpty() || changeClasses.contains(facts.changeClass()))
                    && (targetTags.isEmpty() || targetTags.stream().anyMatch(facts.targetTags()::contains))
                    && (executorKinds.isEmpty() || executorKinds.contains(facts.executorKind()));
        }
    }

    /** Whether break-glass is allowed under this rule, and for how long at most. */
    public record BreakGlass(boolean allowed, Duration maxDuration) {
        public static final BreakGlass FORBIDDEN = new BreakGlass(false, Duration.ZERO);
    }

    public Optional<String> ticketProblem(String ticket) {
        if (ticketPattern == null || ticketPattern.matcher(ticket).matches()) {
            return Optional.empty();
        }
        return Optional.of("ticket '" + ticket + "' does not match the pattern " + ticketPattern.pattern()
                + " required by policy rule " + name);
    }
}
