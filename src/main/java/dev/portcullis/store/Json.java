package dev.portcullis.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts Vert.x JSON (as the PostgreSQL client hands out jsonb) into plain maps and lists. */
public final class Json {

    private Json() {
    }

    public static Object plain(Object value) {
        if (value instanceof JsonObject object) {
            Map<String, Object> map = new LinkedHashMap<>();
            object.forEach(e -> map.put(e.getKey(), plain(e.getValue())));
            return map;
        }
        if (value instanceof JsonArray array) {
            List<Object> list = new ArrayList<>();
            array.forEach(v -> list.add(plain(v)));
            return list;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), plain(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Json::plain).toList();
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(JsonObject object) {
        return object == null ? Map.of() : (Map<String, Object>) plain(object);
    }
}
