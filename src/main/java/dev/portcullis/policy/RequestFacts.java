package dev.portcullis.policy;

import java.util.Set;

/** What policy looks at in a request: plain strings so the policy package depends on nothing else. */
public record RequestFacts(String environment, String changeClass, Set<String> targetTags, String executorKind) {
}
