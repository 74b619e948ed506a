package dev.portcullis.support.vault;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A database secrets engine role ({@code POST database/roles/<name>}) for PostgreSQL. Statements
 * may use {@code {{name}}} (alias {@code {{username}}}), {@code {{password}}} and
 * {@code {{expiration}}}; an entry may hold several statements separated by {@code ;}.
 *
 * @param creationStatements   run in one transaction when {@code database/creds/<role>} is read
 * @param revocationStatements run when the lease is revoked or expires; empty: {@link #DEFAULT_REVOCATION}
 * @param renewStatements      run when the lease is renewed; empty: {@link #DEFAULT_RENEW}
 * @param defaultTtl           the lease's TTL when issued and the default renewal increment
 * @param maxTtl               no renewal extends the lease past issue time plus this
 */
public record DatabaseRole(
        List<String> creationStatements,
        List<String> revocationStatements,
        List<String> renewStatements,
        Duration defaultTtl,
        Duration maxTtl) {

    /** What Vault's PostgreSQL plugin does when a role names no revocation statements, in short. */
    public static final List<String> DEFAULT_REVOCATION = List.of(
            "REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM \"{{name}}\";"
                    + " REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM \"{{name}}\";"
                    + " REVOKE USAGE ON SCHEMA public FROM \"{{name}}\";"
                    + " DROP ROLE IF EXISTS \"{{name}}\";");

    /** Vault's PostgreSQL plugin's default renew statement. */
    public static final List<String> DEFAULT_RENEW = List.of("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}';");

    /** A login role with the given password that expires with the lease: the usual creation statement. */
    public static final String LOGIN_ROLE =
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';";

    public DatabaseRole {
        creationStatements = List.copyOf(creationStatements);
        if (creationStatements.isEmpty()) {
            throw new IllegalArgumentException("a database role needs creation statements");
        }
        revocationStatements = revocationStatements == null || revocationStatements.isEmpty()
                ? DEFAULT_REVOCATION : List.copyOf(revocationStatements);
        renewStatements = renewStatements == null || renewStatements.isEmpty() ? DEFAULT_RENEW : List.copyOf(renewStatements);
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        if (defaultTtl.isNegative() || defaultTtl.isZero() || maxTtl.compareTo(defaultTtl) < 0) {
            throw new IllegalArgumentException("need 0 < defaultTtl <= maxTtl, got " + defaultTtl + " and " + maxTtl);
        }
    }

    public DatabaseRole(List<String> creationStatements, List<String> revocationStatements, Duration defaultTtl, Duration maxTtl) {
        this(creationStatements, revocationStatements, List.of(), defaultTtl, maxTtl);
    }

    /** A plain login role ({@link #LOGIN_ROLE}) plus {@code grants}, revoked by the default statements. */
    public static DatabaseRole loginRole(Duration defaultTtl, Duration maxTtl, String... grants) {
        List<String> creation = new java.util.ArrayList<>();
        creation.add(LOGIN_ROLE);
        creation.addAll(List.of(grants));
        return new DatabaseRole(creation, List.of(), List.of(), defaultTtl, maxTtl);
    }
}
