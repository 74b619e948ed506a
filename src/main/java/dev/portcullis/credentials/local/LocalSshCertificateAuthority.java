package dev.portcullis.credentials.local;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The broker's built-in SSH user CA: an Ed25519 key kept in a directory, used to certify the
 * ephemeral keys the SSH gateway logs in to targets with when no Vault is configured.
 */
public final class LocalSshCertificateAuthority {

    /** How far valid-after is set back from now, so a target whose clock is a little behind still accepts. */
    public static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofSeconds(30);

    private final KeyPair caKeyPair;
    private final String publicKeyLine;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private LocalSshCertificateAuthority(KeyPair caKeyPair, Clock clock) {
        this.caKeyPair = caKeyPair;
        this.publicKeyLine = PublicKeyEntry.toString(caKeyPair.getPublic()) + " " + SshCaKeyFile.KEY_COMMENT;
        this.clock = clock;
    }

    /** Opens the CA whose key lives in {@code directory}, creating directory and key on first use. */
    public static LocalSshCertificateAuthority open(Path directory) throws IOException, GeneralSecurityException {
        return open(directory, Clock.systemUTC());
    }

    /** As {@link #open(Path)}, reading "now" from {@code clock}. */
    public static LocalSshCertificateAuthority open(Path directory, Clock clock) throws IOException, GeneralSecurityException {
        return new LocalSshCertificateAuthority(SshCaKeyFile.loadOrCreate(directory), clock);
    }

    public PublicKey publicKey() {
        return caKeyPair.getPublic();
    }

    /** The CA key as one line for sshd's {@code TrustedUserCAKeys} file ({@code ssh-ed25519 AAAA… comment}). */
    public String publicKeyLine() {
        return publicKeyLine;
    }

    /** Certifies {@code publicKey} with the {@link CertificateExtension#STANDARD} extensions. */
    public SshUserCertificate certify(PublicKey publicKey, List<String> principals, String keyId, Instant notAfter)
            throws GeneralSecurityException {
        return certify(publicKey, principals, keyId, notAfter, CertificateExtension.STANDARD);
    }

    /**
     * Signs a user certificate for {@code publicKey}, valid for exactly {@code principals}, from
     * now − {@link #CLOCK_SKEW_ALLOWANCE} until {@code notAfter} (rounded down to the second, so it
     * never outlives the window it was issued for), under a fresh random non-zero serial.
     *
     * @param keyId logged by sshd on every login with the certificate; name the session and grant in it
     */
    public SshUserCertificate certify(PublicKey publicKey, List<String> principals, String keyId, Instant notAfter,
            Set<CertificateExtension> extensions) throws GeneralSecurityException {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(extensions, "extensions");
        // A certificate without principals is valid for any user wherever the CA is trusted through a
        // cert-authority line in authorized_keys (TrustedUserCAKeys alone refuses it): never issue one.
        if (principals == null || principals.isEmpty()) {
            throw new IllegalArgumentException("a user certificate needs at least one principal");
        }
        if (principals.stream().anyMatch(p -> p == null || p.isBlank())) {
            throw new IllegalArgumentException("blank principal in " + principals);
        }
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("a user certificate needs a key id");
        }
        Instant now = clock.instant();
        if (!notAfter.isAfter(now)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after now (" + now + ")");
        }
        Instant validAfter = Instant.ofEpochSecond(now.minus(CLOCK_SKEW_ALLOWANCE).getEpochSecond());
        Instant validBefore = Instant.ofEpochSecond(notAfter.getEpochSecond());
        long serial = nonZeroSerial();

        OpenSshCertificateBuilder builder = OpenSshCertificateBuilder.userCertificate()
                .publicKey(asSshdKey(publicKey))
                .serial(serial)
                .id(keyId)
                .principals(List.copyOf(principals))
                .validAfter(validAfter)
                .validBefore(validBefore);
        extensions.forEach(e -> builder.extension(e.wireName(), ""));

        OpenSshCertificate certificate;
        try {
            certificate = builder.sign(caKeyPair);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // sign() declares Exception; what it throws beyond the two above is an I/O-free encoding failure.
            throw new GeneralSecurityException("signing the user certificate failed", e);
        }
        return new SshUserCertificate(certificate, PublicKeyEntry.toString(certificate), serial, validAfter, validBefore);
    }

    // Serial 0 reads as "no serial" in OpenSSH tooling (ssh-keygen -z, KRLs); the ledger needs one.
    private long nonZeroSerial() {
        long serial;
        do {
            serial = random.nextLong();
        } while (serial == 0);
        return serial;
    }

    // MINA SSHD (2.20, with BouncyCastle) encodes Ed25519 keys only from its EdDSA provider's key
    // class and rejects the JDK's own EdECPublicKey ("Not an EDDSA public key"); re-decode such
    // keys through that provider.
    private static PublicKey asSshdKey(PublicKey key) throws GeneralSecurityException {
        if (key instanceof EdECPublicKey && !SecurityUtils.getEDDSAPublicKeyType().isInstance(key)) {
            KeyFactory factory = SecurityUtils.getKeyFactory(SecurityUtils.ED25519);
            return factory.generatePublic(new X509EncodedKeySpec(key.getEncoded()));
        }
        return key;
    }
}
