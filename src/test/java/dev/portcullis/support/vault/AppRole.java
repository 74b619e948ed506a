package dev.portcullis.support.vault;

import java.time.Duration;
import java.util.List;

/**
 * An AppRole auth role: the policies its tokens carry and their lifetimes.
 *
 * @param policies    attached to every token besides {@code default}
 * @param tokenTtl    a fresh token's TTL, and the default increment of {@code renew-self}
 * @param tokenMaxTtl no renewal extends a token past its creation plus this
 */
public record AppRole(List<String> policies, Duration tokenTtl, Duration tokenMaxTtl) {

    /** Vault's token TTL when a role sets none is the mount's default, one hour in a dev server. */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(1);
    /** Vault's system maximum lease TTL: 32 days. */
    public static final Duration DEFAULT_TOKEN_MAX_TTL = Duration.ofDays(32);

    public AppRole {
        policies = List.copyOf(policies);
        if (tokenTtl.isNegative() || tokenTtl.isZero() || tokenMaxTtl.compareTo(tokenTtl) < 0) {
            throw new IllegalArgumentException("need 0 < tokenTtl <= tokenMaxTtl, got " + tokenTtl + " and " + tokenMaxTtl);
        }
    }

    public static AppRole of(String... policies) {
        return new AppRole(List.of(policies), DEFAULT_TOKEN_TTL, DEFAULT_TOKEN_MAX_TTL);
    }

    /** Short lifetimes make renewal and expiry testable. */
    public AppRole withTokenTtl(Duration ttl, Duration maxTtl) {
        return new AppRole(policies, ttl, maxTtl);
    }
}
