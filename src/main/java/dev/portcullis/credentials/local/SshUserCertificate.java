package dev.portcullis.credentials.local;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Instant;

import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * An OpenSSH user certificate issued by the built-in CA, with what the session record and the
 * ledger need to name it.
 *
 * @param certificate the certificate, usable as a MINA SSHD public key
 * @param openSshLine the certificate as one {@code <type> <base64>} line, as in an {@code -cert.pub} file
 * @param serial      the certificate serial, an unsigned 64-bit number carried in a {@code long}
 * @param validAfter  start of validity as written into the certificate (whole seconds)
 * @param validBefore end of validity as written into the certificate (whole seconds)
 */
public record SshUserCertificate(
        OpenSshCertificate certificate, String openSshLine, long serial, Instant validAfter, Instant validBefore) {

    /** The serial as sshd logs it: OpenSSH serials are unsigned, Java longs are not. */
    public String serialText() {
        return Long.toUnsignedString(serial);
    }

    /**
     * The identity MINA SSHD's client authenticates with: a key pair whose public half is the
     * certificate, so that publickey auth offers {@code *-cert-v01@openssh.com} and signs with the
     * private key of the certified key.
     */
    public KeyPair asIdentity(PrivateKey certifiedKeyPrivate) {
        return new KeyPair(certificate, certifiedKeyPrivate);
    }
}
