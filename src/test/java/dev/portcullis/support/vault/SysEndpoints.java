package dev.portcullis.support.vault;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** {@code sys/health} and the body-form lease API {@code sys/leases/lookup|renew|revoke}. */
final class SysEndpoints {

    static final String VERSION = "1.15.0";

    private final LeaseTable leases;
    private final Faults faults;
    private final String clusterName = "vault-cluster-" + Secrets.base62(8).toLowerCase(java.util.Locale.ROOT);
    private final String clusterId = UUID.randomUUID().toString();

    SysEndpoints(LeaseTable leases, Faults faults) {
        this.leases = leases;
        this.faults = faults;
    }

    /** 200 active, 429 standby, 501 not initialised, 503 sealed; no envelope, as in Vault. */
    VaultReply health(VaultCall call) {
        boolean uninitialised = faults.uninitialised();
        boolean sealed = faults.sealed();
        boolean standby = faults.standby() || sealed;
        JsonObject body = new JsonObject()
                .put("initialized", !uninitialised)
                .put("sealed", sealed)
                .put("standby", standby)
                .put("performance_standby", false)
                .put("replication_performance_mode", sealed ? "unknown" : "disabled")
                .put("replication_dr_mode", sealed ? "unknown" : "disabled")
                .put("server_time_utc", call.now().getEpochSecond())
                .put("version", VERSION);
        if (!sealed) {
            body.put("cluster_name", clusterName).put("cluster_id", clusterId);
        }
        int status = uninitialised ? 501 : sealed ? 503 : standby ? 429 : 200;
        return VaultReply.json(status, body);
    }

    VaultReply lookup(VaultCall call) {
        Lease lease = leases.find(leaseId(call)).orElseThrow(() -> VaultError.badRequest("invalid lease"));
        Instant renewed = lease.lastRenewal();
        JsonObject data = new JsonObject()
                .put("expire_time", Times.rfc3339(lease.expireTime()))
                .put("id", lease.id)
                .put("issue_time", Times.rfc3339(lease.issueTime))
                .put("last_renewal", renewed == null ? null : Times.rfc3339(renewed))
                .put("renewable", true)
                .put("ttl", lease.ttlSeconds(call.now()));
        return VaultReply.envelope(data).reply(call);
    }

    VaultReply renew(VaultCall call) {
        String id = leaseId(call);
        Lease lease = leases.find(id).orElseThrow(() -> VaultError.badRequest("lease not found"));
        if (lease.expired(call.now())) {
            throw VaultError.badRequest("lease expired");
        }
        Duration increment = Times.durationField(call.body().getValue("increment"), "increment");
        Instant before = lease.maxExpire;
        if (leases.renew(lease, increment, call.now())) {
            Duration asked = increment == null || increment.isZero() ? lease.role.defaultTtl() : increment;
            call.warn("TTL of \"" + Go.duration(asked) + "\" exceeded the effective max_ttl of \""
                    + Go.duration(Duration.between(call.now(), before)) + "\"; TTL value is capped accordingly");
        }
        return VaultReply.envelope(null).lease(lease.id, true, lease.ttlSeconds(call.now())).reply(call);
    }

    VaultReply revoke(VaultCall call) {
        String id = leaseId(call);
        boolean sync = bool(call.body().getValue("sync"), true);
        if (!faults.lyingRevoke()) {
            leases.find(id).ifPresent(lease -> {
                if (sync) {
                    leases.revoke(lease);
                } else {
                    leases.revokeLater(lease);
                }
            });
        }
        return sync ? VaultReply.noContent() : VaultReply.accepted();
    }

    private static String leaseId(VaultCall call) {
        Object raw = call.body().getValue("lease_id");
        if (raw == null || String.valueOf(raw).isEmpty()) {
            throw VaultError.badRequest("lease_id must be specified");
        }
        return String.valueOf(raw);
    }

    private static boolean bool(Object raw, boolean absent) {
        if (raw == null) {
            return absent;
        }
        if (raw instanceof Boolean b) {
            return b;
        }
        return switch (String.valueOf(raw).toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "t" -> true;
            case "false", "0", "f" -> false;
            default -> throw VaultError.badRequest("error converting input " + raw + " for field \"sync\"");
        };
    }

    /** Go's time.Duration.String(), which Vault's warnings use. */
    static final class Go {
        private Go() {
        }

        static String duration(Duration d) {
            long s = Math.max(0, d.toSeconds());
            StringBuilder out = new StringBuilder();
            if (s >= 3600) {
                out.append(s / 3600).append('h');
            }
            if (s >= 60) {
                out.append(s % 3600 / 60).append('m');
            }
            return out.append(s % 60).append('s').toString();
        }
    }
}
