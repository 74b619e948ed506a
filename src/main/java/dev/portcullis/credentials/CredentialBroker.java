package dev.portcullis.credentials;

import dev.portcullis.credentials.local.SshUserCertificate;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.local.LocalCredentialBroker;
import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.credentials.vault.VaultClient;
import dev.portcullis.credentials.vault.VaultCredentialBroker;
import dev.portcullis.credentials.vault.VaultMeter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;

import java.util.Map;

/**
 * Where session credentials come from: the embedded {@code local} broker (the broker's own SSH user CA) or
 * {@code vault}. Every method fails with {@link CredentialUnavailable} — never with a credential-less success —
 * so that callers fail closed. Nothing returned here may be logged or ledgered except its reference (serial,
 * lease id, KV path and version).
 */
public interface CredentialBroker extends HttpCredentialSource {

    /** The broker {@code credentials.broker} names: the built-in CA, or Vault reached as {@code credentials.vault} says. */
    static CredentialBroker fromConfig(Vertx vertx, PortcullisConfig.Credentials config, LocalSshCertificateAuthority ca,
                                       VaultMeter meter, Clock clock) {
        if (!config.usesVault()) {
            return new LocalCredentialBroker(ca);
        }
        return new VaultCredentialBroker(VaultClient.create(vertx, config.vault(), meter), config.vault(), clock);
    }

    /** {@code local} or {@code vault}: ledgered as the issuer of every credential. */
    String issuer();

    /** The SSH user CA key targets must trust ({@code TrustedUserCAKeys}), as one OpenSSH line. */
    Future<String> userCaKey();

    /** Certifies the session's ephemeral key for exactly one unix user until no later than the window's end. */
    Future<IssuedCertificate> certify(Target target, SshCertificateRequest request);

    /** Dynamic database credentials for the target; the caller records and later revokes the lease. */
    Future<DatabaseCredential> databaseCredential(Target target, Grant grant);

    /** Asks the issuer to revoke a lease now (Vault: {@code sys/leases/revoke} with sync). */
    Future<Void> revoke(String leaseId);

    /** Whether the issuer still knows the lease; {@code false} is the confirmation that it is gone. */
    Future<Boolean> leaseAlive(String leaseId);

    /**
     * A KV v2 secret for the broker's own use — the administrative login that ends a revoked database role's
     * connections — never handed to a vendor.
     */
    Future<Map<String, String>> brokerSecret(String mount, String path);

    /**
     * Succeeds while the issuer can hand out credentials (Vault: {@code sys/health} answers 200, i.e. unsealed and
     * active); the broker's {@code /health/ready} reports it.
     */
    Future<Void> ready();

    /** Releases threads and connections; credentials already handed out stay as they are. */
    Future<Void> close();

    /** An SSH certificate and who issued it. */
    record IssuedCertificate(SshUserCertificate certificate, String issuer) {
    }
}
