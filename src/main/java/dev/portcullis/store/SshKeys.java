package dev.portcullis.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * Parses OpenSSH public key lines just enough to store them safely: a known key type, a base64 blob whose
 * embedded type agrees, and the {@code SHA256:} fingerprint OpenSSH shows (which the SSH gateway looks up).
 */
public final class SshKeys {

    private static final Set<String> TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

    private SshKeys() {
    }

    /** A key in canonical one-line form (type and blob, the comment dropped) with its fingerprint. */
    public record Parsed(String line, String fingerprint) {
    }

    /** @throws IllegalArgumentException with a message fit for an API answer */
    public static Parsed parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length < 2 || !TYPES.contains(parts[0])) {
            throw new IllegalArgumentException("not an OpenSSH public key line (expected e.g. 'ssh-ed25519 AAAA… comment')");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the SSH public key's base64 part is malformed");
        }
        if (blob.length < 4 + parts[0].length()) {
            throw new IllegalArgumentException("the SSH public key is truncated");
        }
        int len = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        if (len != parts[0].length() || !new String(blob, 4, len, java.nio.charset.StandardCharsets.US_ASCII).equals(parts[0])) {
            throw new IllegalArgumentException("the SSH public key's blob does not match its type " + parts[0]);
        }
        return new Parsed(parts[0] + " " + parts[1], fingerprint(blob));
    }

    public static String fingerprint(byte[] blob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
