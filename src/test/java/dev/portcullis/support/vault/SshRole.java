package dev.portcullis.support.vault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An SSH secrets engine role of {@code key_type=ca}, as {@code POST ssh/roles/<name>} would create it.
 * Defaults follow Vault's where Vault has one, except {@code allow_user_certificates}, which every
 * useful CA role sets (the 4-argument constructor turns it on).
 *
 * @param allowedUsers           principals a caller may ask for; {@code List.of("*")} allows any
 * @param defaultExtensions      extensions written when the caller asks for none
 * @param allowedExtensions      extensions a caller may ask for; empty allows none (Vault 1.15), {@code "*"} any
 * @param maxTtl                 a requested {@code ttl} above this is refused with 400
 * @param ttl                    the TTL when the caller sends none ({@code Duration.ZERO}: {@code maxTtl})
 * @param defaultUser            the principal when the caller sends no {@code valid_principals} ("" for none)
 * @param allowUserKeyIds        whether a caller may set {@code key_id} (Vault's default: false)
 * @param defaultCriticalOptions critical options written when the caller asks for none
 * @param allowedCriticalOptions critical options a caller may ask for; empty allows any (as in Vault)
 * @param allowUserCertificates  whether {@code cert_type=user} is allowed
 * @param allowHostCertificates  whether {@code cert_type=host} is allowed
 */
public record SshRole(
        List<String> allowedUsers,
        Map<String, String> defaultExtensions,
        Set<String> allowedExtensions,
        Duration maxTtl,
        Duration ttl,
        String defaultUser,
        boolean allowUserKeyIds,
        Map<String, String> defaultCriticalOptions,
        Set<String> allowedCriticalOptions,
        boolean allowUserCertificates,
        boolean allowHostCertificates) {

    public SshRole {
        allowedUsers = List.copyOf(allowedUsers);
        defaultExtensions = Map.copyOf(defaultExtensions);
        allowedExtensions = Set.copyOf(allowedExtensions);
        Objects.requireNonNull(maxTtl, "maxTtl");
        if (maxTtl.isNegative() || maxTtl.isZero()) {
            throw new IllegalArgumentException("maxTtl must be positive: " + maxTtl);
        }
        ttl = ttl == null ? Duration.ZERO : ttl;
        defaultUser = defaultUser == null ? "" : defaultUser;
        defaultCriticalOptions = Map.copyOf(defaultCriticalOptions);
        allowedCriticalOptions = Set.copyOf(allowedCriticalOptions);
    }

    /** A user-certificate role; key ids chosen by the caller are refused until {@link #withAllowUserKeyIds}. */
    public SshRole(List<String> allowedUsers, Map<String, String> defaultExtensions, Set<String> allowedExtensions, Duration maxTtl) {
        this(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, Duration.ZERO, "", false, Map.of(), Set.of(), true, false);
    }

    public SshRole withAllowUserKeyIds(boolean allow) {
        return new SshRole(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, ttl, defaultUser, allow,
                defaultCriticalOptions, allowedCriticalOptions, allowUserCertificates, allowHostCertificates);
    }

    public SshRole withTtl(Duration defaultTtl) {
        return new SshRole(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, defaultTtl, defaultUser, allowUserKeyIds,
                defaultCriticalOptions, allowedCriticalOptions, allowUserCertificates, allowHostCertificates);
    }

    public SshRole withDefaultUser(String user) {
        return new SshRole(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, ttl, user, allowUserKeyIds,
                defaultCriticalOptions, allowedCriticalOptions, allowUserCertificates, allowHostCertificates);
    }

    public SshRole withCriticalOptions(Map<String, String> defaults, Set<String> allowed) {
        return new SshRole(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, ttl, defaultUser, allowUserKeyIds,
                defaults, allowed, allowUserCertificates, allowHostCertificates);
    }

    public SshRole withCertificateTypes(boolean user, boolean host) {
        return new SshRole(allowedUsers, defaultExtensions, allowedExtensions, maxTtl, ttl, defaultUser, allowUserKeyIds,
                defaultCriticalOptions, allowedCriticalOptions, user, host);
    }

    /** The TTL used when the caller sends none: the role's {@code ttl}, else its maximum. */
    Duration effectiveTtl() {
        return ttl.isZero() || ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    }
}
