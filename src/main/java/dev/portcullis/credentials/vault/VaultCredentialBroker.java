package dev.portcullis.credentials.vault;

import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.CredentialBroker;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.DatabaseCredential;
import dev.portcullis.credentials.HttpCredential;
import dev.portcullis.credentials.SshCertificateRequest;
import dev.portcullis.credentials.TargetCredential;
import dev.portcullis.credentials.local.CertificateExtension;
import dev.portcullis.credentials.local.SshUserCertificate;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.vertx.core.Future;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Credentials from HashiCorp Vault: SSH certificates from {@code <mount>/sign/<role>}, HTTP header secrets from
 * KV v2, dynamic database credentials from {@code <mount>/creds/<role>}, and the lease calls that revoke and
 * confirm them. Lease calls use the body form ({@code sys/leases/lookup} with {@code lease_id}), which a
 * least-privilege policy can allow without allowing every lease path.
 */
public final class VaultCredentialBroker implements CredentialBroker {

    /** How far past the window's end Vault's clock may put a certificate's end before the certificate is refused. */
    static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(5);

    private final VaultClient vault;
    private final PortcullisConfig.Vault settings;
    private final Clock clock;

    public VaultCredentialBroker(VaultClient vault, PortcullisConfig.Vault settings, Clock clock) {
        this.vault = vault;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public String issuer() {
        return "vault";
    }

    @Override
    public Future<String> userCaKey() {
        return vault.publicText("ssh_public_key", settings.sshMount() + "/public_key").map(String::trim);
    }

    @Override
    public Future<IssuedCertificate> certify(Target target, SshCertificateRequest request) {
        TargetCredential.Ssh ssh;
        try {
            ssh = TargetCredential.parse(target.credential()).ssh()
                    .orElse(new TargetCredential.Ssh(settings.sshMount(), settings.sshRole()));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured", e.getMessage()));
        }
        long ttl = Duration.between(clock.instant(), request.notAfter()).toSeconds();
        if (ttl <= 0) {
            return Future.failedFuture(new CredentialUnavailable("window_closed", "the window has closed"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("public_key", PublicKeyEntry.toString(request.publicKey()));
        body.put("valid_principals", request.principal());
        body.put("ttl", ttl + "s");
        body.put("cert_type", "user");
        body.put("key_id", request.keyId());
        // The driver flattens Java maps with toString(): its own JsonObject is sent as JSON.
        JsonObject extensions = new JsonObject();
        request.extensions().stream().map(CertificateExtension::wireName).sorted().forEach(e -> extensions.add(e, ""));
        body.put("extensions", extensions);
        body.put("critical_options", new JsonObject());
        String path = ssh.mount() + "/sign/" + ssh.role();
        return vault.call("ssh_sign", (v1, kv2) -> v1.logical().write(path, body))
                .compose(response -> certificate(response, request));
    }

    private Future<IssuedCertificate> certificate(LogicalResponse response, SshCertificateRequest request) {
        String line = response.getData().get("signed_key");
        if (line == null || line.isBlank()) {
            return Future.failedFuture(new CredentialUnavailable("vault_error", "Vault answered without a signed key"));
        }
        OpenSshCertificate cert;
        try {
            PublicKey key = PublicKeyEntry.parsePublicKeyEntry(line.trim()).resolvePublicKey(null, Map.of(), null);
            cert = (OpenSshCertificate) key;
        } catch (Exception e) {
            return Future.failedFuture(new CredentialUnavailable("vault_error", "Vault's signed key is not an OpenSSH certificate"));
        }
        // Trust, but check: a role with default principals or a longer TTL must not widen what the grant allows.
        if (!List.copyOf(cert.getPrincipals()).equals(List.of(request.principal()))) {
            return Future.failedFuture(new CredentialUnavailable("vault_error",
                    "Vault issued a certificate for other principals than " + request.principal()));
        }
        Instant validBefore = Instant.ofEpochSecond(cert.getValidBefore());
        if (validBefore.isAfter(request.notAfter().plus(CLOCK_TOLERANCE))) {
            return Future.failedFuture(new CredentialUnavailable("vault_error", "Vault issued a certificate valid until "
                    + validBefore + ", past the window's end " + request.notAfter()));
        }
        String openSshLine = line.trim().split("\\s+")[0] + " " + line.trim().split("\\s+")[1];
        return Future.succeededFuture(new IssuedCertificate(new SshUserCertificate(cert, openSshLine, cert.getSerial(),
                Instant.ofEpochSecond(cert.getValidAfter()), validBefore), issuer()));
    }

    @Override
    public Future<HttpCredential> credential(Target target, Grant grant) {
        TargetCredential.Kv kv;
        try {
            kv = TargetCredential.parse(target.credential()).kv().orElse(null);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured", e.getMessage()));
        }
        if (kv == null) {
            return Future.failedFuture(new CredentialUnavailable("credential_not_configured",
                    "target " + target.name() + " names no KV secret (credential.kv)"));
        }
        String path = kv.mount() + "/" + kv.path();
        return vault.call("kv_read", (v1, kv2) -> kv2.logical().read(path)).compose(response -> {
            Map<String, String> secret = response.getData();
            Long version = response.getDataMetadata() == null ? null : response.getDataMetadata().getVersion();
            return kv.render(secret)
                    .map(value -> Future.succeededFuture(new HttpCredential(Map.of(kv.header(), value),
                            "vault-kv:" + path + (version == null ? "" : " v" + version), null)))
                    .orElseGet(() -> Future.failedFuture(new CredentialUnavailable("credential_misconfigured",
                            "the KV secret " + path + " lacks a key the template of " + target.name() + " names")));
        });
    }

    @Override
    public Future<DatabaseCredential> databaseCredential(Target target, Grant grant) {
        TargetCredential.Database db;
        try {
            db = TargetCredential.parse(target.credential()).database().orElse(null);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured", e.getMessage()));
        }
        if (db == null) {
            return Future.failedFuture(new CredentialUnavailable("credential_not_configured",
                    "target " + target.name() + " names no database role (credential.database)"));
        }
        String path = db.mount() + "/creds/" + db.role();
        return vault.call("database_creds", (v1, kv2) -> v1.logical().read(path)).compose(response -> {
            String leaseId = response.getLeaseId();
            Map<String, String> data = response.getData();
            if (leaseId == null || leaseId.isBlank() || data.get("username") == null || data.get("password") == null) {
                return Future.failedFuture(new CredentialUnavailable("vault_error", "Vault answered " + path + " without a lease"));
            }
            long seconds = response.getLeaseDuration() == null ? 0 : response.getLeaseDuration();
            return Future.succeededFuture(new DatabaseCredential(data.get("username"), data.get("password"), leaseId,
                    clock.instant().plusSeconds(seconds)));
        });
    }

    @Override
    public Future<Map<String, String>> brokerSecret(String mount, String path) {
        return vault.call("kv_read", (v1, kv2) -> kv2.logical().read(mount + "/" + path)).map(LogicalResponse::getData);
    }

    @Override
    public Future<Void> revoke(String leaseId) {
        Map<String, Object> body = Map.of("lease_id", leaseId, "sync", true);
        return vault.call("lease_revoke", (v1, kv2) -> v1.logical().write("sys/leases/revoke", body)).mapEmpty();
    }

    @Override
    public Future<Boolean> leaseAlive(String leaseId) {
        Map<String, Object> body = Map.of("lease_id", leaseId);
        return vault.call("lease_lookup", (v1, kv2) -> {
            LogicalResponse answer = v1.logical().write("sys/leases/lookup", body);
            int status = answer.getRestResponse().getStatus();
            if (status == 200) {
                return true;
            }
            // Vault's way of saying "no such lease": 400 {"errors":["invalid lease"]}. Anything else is not a confirmation.
            if (status == 400 && VaultClient.errors(answer).contains("invalid lease")) {
                return false;
            }
            throw new VaultException("Vault answered the lease lookup with HTTP " + status, status);
        });
    }

    @Override
    public Future<Void> ready() {
        // sys/health answers 200 only when Vault is initialised, unsealed and active (503 sealed, 429 standby).
        return vault.publicText("health", "sys/health").mapEmpty();
    }

    @Override
    public Future<Void> close() {
        return vault.close();
    }
}
