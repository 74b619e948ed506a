package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;

/**
 * The broker's SSH host key: Ed25519, an OpenSSH private key file (mode 0600) under {@code <dataDir>/ssh/},
 * created on first start and kept, so vendors' {@code known_hosts} entries stay valid across restarts.
 */
final class HostKeyFile {

    static final String PRIVATE_KEY_FILE = "ssh_host_ed25519_key";
    static final String PUBLIC_KEY_FILE = "ssh_host_ed25519_key.pub";
    private static final String COMMENT = "portcullis-host";

    private HostKeyFile() {
    }

    static KeyPair loadOrCreate(Path directory) throws IOException, GeneralSecurityException {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path privateKey = directory.resolve(PRIVATE_KEY_FILE);
        KeyPair pair = Files.exists(privateKey) ? load(privateKey) : create(privateKey);
        Files.writeString(directory.resolve(PUBLIC_KEY_FILE),
                PublicKeyEntry.toString(pair.getPublic()) + " " + COMMENT + "\n", StandardCharsets.US_ASCII);
        return pair;
    }

    private static KeyPair load(Path privateKey) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(privateKey)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(privateKey.toString()), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException("host key file " + privateKey + " holds no key pair");
            }
            return it.next();
        }
    }

    private static KeyPair create(Path privateKey) throws IOException, GeneralSecurityException {
        KeyPair pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        // Written aside and linked into place: a crash never leaves half a key, and two nodes racing on a
        // shared data directory end up with one key rather than each believing its own.
        Path temporary = Files.createTempFile(privateKey.getParent(), PRIVATE_KEY_FILE, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, COMMENT, null, out);
            }
            Files.createLink(privateKey, temporary);
            return pair;
        } catch (FileAlreadyExistsException lostRace) {
            return load(privateKey);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
