package dev.portcullis.store;

import dev.portcullis.domain.Principal;
import dev.portcullis.domain.PrincipalKind;
import dev.portcullis.domain.Role;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** Principals, their SSH keys and their API tokens (stored as SHA-256 only). */
public final class Principals {

    private static final String SELECT = "SELECT p.id, p.name, p.kind, p.roles, p.groups, p.disabled, p.created_at, "
            + "COALESCE((SELECT array_agg(k.public_key ORDER BY k.created_at) FROM principal_keys k WHERE k.principal_id = p.id), '{}') AS keys "
            + "FROM principals p ";

    private Principals() {
    }

    public static Future<Principal> insert(SqlClient sql, Principal p, List<SshKeys.Parsed> keys) {
        Future<RowSet<Row>> insert = sql.preparedQuery("INSERT INTO principals (id, name, kind, roles, groups, disabled, created_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.of(p.id(), p.name(), p.kind().wire(),
                        p.roles().stream().map(Role::wire).sorted().toArray(String[]::new),
                        p.groups().stream().sorted().toArray(String[]::new), p.disabled(),
                        p.createdAt().atOffset(ZoneOffset.UTC)));
        for (SshKeys.Parsed key : keys) {
            insert = insert.compose(done -> addKey(sql, p.id(), key, p.createdAt()));
        }
        return insert.map(done -> p);
    }

    public static Future<RowSet<Row>> addKey(SqlClient sql, UUID principalId, SshKeys.Parsed key, Instant at) {
        return sql.preparedQuery("INSERT INTO principal_keys (id, principal_id, public_key, fingerprint, created_at) "
                        + "VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(UUID.randomUUID(), principalId, key.line(), key.fingerprint(), at.atOffset(ZoneOffset.UTC)));
    }

    public static Future<Optional<Principal>> byName(SqlClient sql, String name) {
        return sql.preparedQuery(SELECT + "WHERE p.name = $1").execute(Tuple.of(name)).map(Principals::first);
    }

    public static Future<Optional<Principal>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery(SELECT + "WHERE p.id = $1").execute(Tuple.of(id)).map(Principals::first);
    }

    /** The principal whose active API token hashes to {@code tokenHash}, if any. */
    public static Future<Optional<Principal>> byTokenHash(SqlClient sql, String tokenHash) {
        return sql.preparedQuery(SELECT + "JOIN api_tokens t ON t.principal_id = p.id "
                        + "WHERE t.token_hash = $1 AND t.revoked_at IS NULL")
                .execute(Tuple.of(tokenHash)).map(Principals::first);
    }

    /** The principal that registered the SSH key with {@code fingerprint} (SHA256:… form). */
    public static Future<Optional<Principal>> byKeyFingerprint(SqlClient sql, String fingerprint) {
        return sql.preparedQuery(SELECT + "JOIN principal_keys k ON k.principal_id = p.id WHERE k.fingerprint = $1")
                .execute(Tuple.of(fingerprint)).map(Principals::first);
    }

    public static Future<List<Principal>> all(SqlClient sql) {
        return sql.query(SELECT + "ORDER BY p.name").execute().map(rows -> {
            List<Principal> list = new ArrayList<>();
            rows.forEach(r -> list.add(principal(r)));
            return list;
        });
    }

    public static Future<Boolean> any(SqlClient sql) {
        return sql.query("SELECT EXISTS (SELECT 1 FROM principals) AS any").execute()
                .map(rows -> rows.iterator().next().getBoolean("any"));
    }

    public static Future<RowSet<Row>> addToken(SqlClient sql, UUID principalId, String tokenHash, String label, Instant at) {
        return sql.preparedQuery("INSERT INTO api_tokens (id, principal_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(UUID.randomUUID(), principalId, tokenHash, label, at.atOffset(ZoneOffset.UTC)));
    }

    private static Optional<Principal> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(principal(rows.iterator().next()));
    }

    static Principal principal(Row r) {
        return new Principal(r.getUUID("id"), r.getString("name"), PrincipalKind.fromWire(r.getString("kind")),
                Arrays.stream(r.getArrayOfStrings("roles")).map(Role::fromWire).collect(Collectors.toSet()),
                Arrays.stream(r.getArrayOfStrings("groups")).collect(Collectors.toSet()),
                Arrays.asList(r.getArrayOfStrings("keys")), r.getBoolean("disabled"),
                r.getOffsetDateTime("created_at").toInstant());
    }
}
