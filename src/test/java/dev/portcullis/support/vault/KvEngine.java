package dev.portcullis.support.vault;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** KV version 2 mounts: versioned secrets under {@code <mount>/data/<path>}, soft delete. */
final class KvEngine {

    private record Version(int number, JsonObject data, Instant created, Instant deleted) {
        JsonObject metadata() {
            return new JsonObject()
                    .put("created_time", Times.rfc3339(created))
                    .put("custom_metadata", null)
                    .put("deletion_time", deleted == null ? "" : Times.rfc3339(deleted))
                    .put("destroyed", false)
                    .put("version", number);
        }
    }

    private final Map<String, Map<String, List<Version>>> mounts = new ConcurrentHashMap<>();

    KvEngine(Set<String> initialMounts) {
        initialMounts.forEach(this::mount);
    }

    void mount(String name) {
        mounts.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
    }

    Set<String> mountNames() {
        return Set.copyOf(mounts.keySet());
    }

    /** Writes a new version; answers its number. */
    synchronized int put(String mount, String path, JsonObject data, Instant now) {
        mount(mount);
        List<Version> versions = mounts.get(mount).computeIfAbsent(path, k -> new ArrayList<>());
        Version v = new Version(versions.size() + 1, data.copy(), now, null);
        versions.add(v);
        return v.number;
    }

    synchronized VaultReply read(VaultCall call) {
        List<Version> versions = mounts.get(call.param("kv_v2_mount_path")).get(call.param("path"));
        if (versions == null || versions.isEmpty()) {
            throw VaultError.notFound();
        }
        Version latest = versions.get(versions.size() - 1);
        if (latest.deleted != null) {
            // Vault answers a soft-deleted secret with 404 and its metadata, data null.
            JsonObject data = new JsonObject().put("data", null).put("metadata", latest.metadata());
            return VaultReply.envelope(data).status(404).reply(call);
        }
        JsonObject data = new JsonObject().put("data", latest.data.copy()).put("metadata", latest.metadata());
        return VaultReply.envelope(data).reply(call);
    }

    synchronized VaultReply write(VaultCall call) {
        Object raw = call.body().getValue("data");
        if (raw == null) {
            throw VaultError.badRequest("no data provided");
        }
        if (!(raw instanceof JsonObject data)) {
            throw VaultError.badRequest("error converting input " + raw + " for field \"data\"");
        }
        String mount = call.param("kv_v2_mount_path");
        String path = call.param("path");
        JsonObject options = call.body().getJsonObject("options", new JsonObject());
        if (options.containsKey("cas")) {
            List<Version> versions = mounts.get(mount).getOrDefault(path, List.of());
            if (options.getInteger("cas") != versions.size()) {
                throw VaultError.badRequest("check-and-set parameter did not match the current version");
            }
        }
        int number = put(mount, path, data, call.now());
        Version v = mounts.get(mount).get(path).get(number - 1);
        return VaultReply.envelope(v.metadata()).reply(call);
    }

    synchronized VaultReply delete(VaultCall call) {
        List<Version> versions = mounts.get(call.param("kv_v2_mount_path")).get(call.param("path"));
        if (versions != null && !versions.isEmpty()) {
            Version latest = versions.get(versions.size() - 1);
            if (latest.deleted == null) {
                versions.set(versions.size() - 1, new Version(latest.number, latest.data, latest.created, call.now()));
            }
        }
        return VaultReply.noContent();
    }
}
