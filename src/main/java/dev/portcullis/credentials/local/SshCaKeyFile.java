package dev.portcullis.credentials.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.Set;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The built-in CA's Ed25519 key pair on disk: an unencrypted OpenSSH private key file (mode 0600),
 * created on first use, and its {@code .pub} beside it for operators to install as
 * {@code TrustedUserCAKeys}.
 */
final class SshCaKeyFile {

    static final String PRIVATE_KEY_FILE = "ssh_user_ca";
    static final String PUBLIC_KEY_FILE = "ssh_user_ca.pub";
    static final String KEY_COMMENT = "portcullis-user-ca";

    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SshCaKeyFile() {
    }

    static KeyPair loadOrCreate(Path directory) throws IOException, GeneralSecurityException {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Path privateKey = directory.resolve(PRIVATE_KEY_FILE);
        KeyPair keyPair = Files.exists(privateKey) ? load(privateKey) : create(privateKey);
        writePublicKey(directory.resolve(PUBLIC_KEY_FILE), keyPair);
        return keyPair;
    }

    private static KeyPair load(Path privateKey) throws IOException, GeneralSecurityException {
        // Like OpenSSH: a CA key others can read is a CA key others may have copied.
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(privateKey);
        if (mode.stream().anyMatch(GROUP_OR_OTHER::contains)) {
            throw new IOException("SSH CA key " + privateKey + " is accessible by group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); chmod 600 it");
        }
        try (InputStream in = Files.newInputStream(privateKey)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(
                    null, NamedResource.ofName(privateKey.toString()), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException("SSH CA key file " + privateKey + " holds no key pair");
            }
            KeyPair keyPair = it.next();
            String type = KeyUtils.getKeyType(keyPair);
            if (!KeyPairProvider.SSH_ED25519.equals(type)) {
                throw new IOException("SSH CA key " + privateKey + " is " + type + ", expected " + KeyPairProvider.SSH_ED25519);
            }
            return keyPair;
        }
    }

    private static KeyPair create(Path privateKey) throws IOException, GeneralSecurityException {
        KeyPair keyPair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        // Written under a temporary name, then linked into place: a crash never leaves a
        // half-written CA key, and two processes racing on first start end up sharing one key
        // (createLink fails if the name exists) instead of each believing its own.
        Path temporary = Files.createTempFile(privateKey.getParent(), PRIVATE_KEY_FILE, ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, KEY_COMMENT, null, out);
            }
            Files.createLink(privateKey, temporary);
            return keyPair;
        } catch (FileAlreadyExistsException lostRace) {
            return load(privateKey);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    // Rewritten when it does not match, so the file an operator copies never names a stale key.
    private static void writePublicKey(Path publicKeyFile, KeyPair keyPair) throws IOException {
        String line = PublicKeyEntry.toString(keyPair.getPublic()) + " " + KEY_COMMENT + "\n";
        if (Files.notExists(publicKeyFile) || !line.equals(Files.readString(publicKeyFile, StandardCharsets.US_ASCII))) {
            Files.writeString(publicKeyFile, line, StandardCharsets.US_ASCII);
        }
    }
}
