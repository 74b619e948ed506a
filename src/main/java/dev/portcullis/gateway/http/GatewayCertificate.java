package dev.portcullis.gateway.http;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * The gateway listener's certificate when none is configured: a self-signed ECDSA P-256 certificate for localhost,
 * the loopback addresses, the host name and the listen address, made on first start as {@code <dataDir>/tls/gateway.crt}
 * and {@code gateway.key} (mode 0600) and kept, so vendors can pin it. Blocking: call off the event loop.
 */
final class GatewayCertificate {

    static final Duration VALIDITY = Duration.ofDays(825);

    record Material(Path certificate, Path key) {
    }

    private GatewayCertificate() {
    }

    static Material loadOrCreate(Path tlsDir, String listenHost) throws IOException, GeneralSecurityException {
        Path cert = tlsDir.resolve("gateway.crt");
        Path key = tlsDir.resolve("gateway.key");
        if (Files.exists(cert) && Files.exists(key)) {
            return new Material(cert, key);
        }
        Files.createDirectories(tlsDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        KeyPair pair = generator.generateKeyPair();
        List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1")));
        try {
            names.add(new GeneralName(GeneralName.dNSName, InetAddress.getLocalHost().getHostName()));
        } catch (IOException ignored) {
            // no resolvable host name: the loopback names still serve
        }
        if (listenHost != null && !listenHost.isBlank() && !listenHost.equals("0.0.0.0") && !listenHost.equals("::")) {
            boolean address = listenHost.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
            names.add(new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, listenHost));
        }
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=Portcullis HTTP gateway");
        try {
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            Path tmp = Files.createTempFile(tlsDir, "key", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(cert, pem("CERTIFICATE", holder.getEncoded()));
            Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
        return new Material(cert, key);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
