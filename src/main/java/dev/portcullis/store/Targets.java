package dev.portcullis.store;

import dev.portcullis.domain.Protocol;
import dev.portcullis.domain.Target;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

public final class Targets {

    private static final String SELECT = "SELECT id, name, protocol, environment, tags, endpoint, credential, created_at FROM targets ";

    private Targets() {
    }

    public static Future<Target> insert(SqlClient sql, Target t) {
        return sql.preparedQuery("INSERT INTO targets (id, name, protocol, environment, tags, endpoint, credential, created_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.of(t.id(), t.name(), t.protocol().wire(), t.environment(),
                        t.tags().stream().sorted().toArray(String[]::new), new JsonObject(t.endpoint()),
                        new JsonObject(t.credential()), t.createdAt().atOffset(ZoneOffset.UTC)))
                .map(done -> t);
    }

    public static Future<Optional<Target>> byName(SqlClient sql, String name) {
        return sql.preparedQuery(SELECT + "WHERE name = $1").execute(Tuple.of(name)).map(Targets::first);
    }

    public static Future<Optional<Target>> byId(SqlClient sql, UUID id) {
        return sql.preparedQuery(SELECT + "WHERE id = $1").execute(Tuple.of(id)).map(Targets::first);
    }

    public static Future<List<Target>> all(SqlClient sql) {
        return sql.query(SELECT + "ORDER BY name").execute().map(rows -> {
            List<Target> list = new ArrayList<>();
            rows.forEach(r -> list.add(target(r)));
            return list;
        });
    }

    private static Optional<Target> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(target(rows.iterator().next()));
    }

    static Target target(Row r) {
        return new Target(r.getUUID("id"), r.getString("name"), Protocol.fromWire(r.getString("protocol")),
                r.getString("environment"), Set.copyOf(Arrays.asList(r.getArrayOfStrings("tags"))),
                Json.map(r.getJsonObject("endpoint")), Json.map(r.getJsonObject("credential")),
                r.getOffsetDateTime("created_at").toInstant());
    }
}
