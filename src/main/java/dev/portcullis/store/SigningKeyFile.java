package dev.portcullis.store;

import dev.portcullis.integrity.SigningKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * The broker's Ed25519 signing key on disk: PKCS#8 and X.509 PEM files under {@code <dataDir>/keys},
 * created on first start with mode 0600. A private key that others can read is refused: whoever holds it
 * can forge approvals.
 */
public final class SigningKeyFile {

    private SigningKeyFile() {
    }

    public static SigningKey loadOrCreate(Path dataDir) {
        Path dir = dataDir.resolve("keys");
        Path privateFile = dir.resolve("broker-ed25519.key");
        Path publicFile = dir.resolve("broker-ed25519.pub");
        try {
            if (Files.exists(privateFile)) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateFile);
                if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                    throw new IllegalStateException(privateFile + " is readable by others (" + PosixFilePermissions.toString(perms)
                            + "); chmod 600 it — whoever reads it can forge approvals");
                }
                KeyFactory factory = KeyFactory.getInstance("Ed25519");
                PrivateKey priv = factory.generatePrivate(new PKCS8EncodedKeySpec(pem(Files.readString(privateFile))));
                PublicKey pub = factory.generatePublic(new X509EncodedKeySpec(pem(Files.readString(publicFile))));
                return new SigningKey(new KeyPair(pub, priv));
            }
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            SigningKey key = SigningKey.generate();
            Path tmp = Files.createTempFile(dir, "new-key", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, pem("PRIVATE KEY", key.pair().getPrivate().getEncoded()));
            Files.writeString(publicFile, pem("PUBLIC KEY", key.publicKey().getEncoded()));
            Files.move(tmp, privateFile, StandardCopyOption.ATOMIC_MOVE);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the signing key in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the signing key in " + dir + " is not an Ed25519 key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] pem(String text) {
        return Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", "").trim());
    }
}
