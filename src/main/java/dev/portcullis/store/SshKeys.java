package dev.portcullis.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * Parses OpenSSH public key lines just enough to store them safely: a known key type, a base64 blob whose
 * embedded type agrees and whose fields are all there, and the {@code SHA256:} fingerprint OpenSSH shows
 * (which the SSH gateway looks up).
 */
public final class SshKeys {

    /** Per key type, how many length-prefixed fields follow the type name in the blob (RFC 4253, 5656, 8709; PROTOCOL.u2f). */
    private static final Map<String, Integer> FIELDS = Map.of("ssh-ed25519", 1, "ssh-rsa", 2, "ecdsa-sha2-nistp256", 2,
            "ecdsa-sha2-nistp384", 2, "ecdsa-sha2-nistp521", 2, "sk-ssh-ed25519@openssh.com", 2,
            "sk-ecdsa-sha2-nistp256@openssh.com", 3);

    private SshKeys() {
    }

    /** A key in canonical one-line form (type and blob, the comment dropped) with its fingerprint. */
    public record Parsed(String line, String fingerprint) {
    }

    /** @throws IllegalArgumentException with a message fit for an API answer */
    public static Parsed parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length < 2 || !FIELDS.containsKey(parts[0])) {
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
        if (len != parts[0].length() || !new String(blob, 4, len, StandardCharsets.US_ASCII).equals(parts[0])) {
            throw new IllegalArgumentException("the SSH public key's blob does not match its type " + parts[0]);
        }
        checkFields(parts[0], blob, 4 + len);
        return new Parsed(parts[0] + " " + parts[1], fingerprint(blob));
    }

    // A blob cut short at a base64 boundary still decodes; walk its fields so that it is refused.
    private static void checkFields(String type, byte[] blob, int at) {
        for (int field = 0; field < FIELDS.get(type); field++) {
            if (blob.length - at < 4) {
                throw new IllegalArgumentException("the SSH public key is truncated");
            }
            long size = ((blob[at] & 0xffL) << 24) | ((blob[at + 1] & 0xff) << 16) | ((blob[at + 2] & 0xff) << 8) | (blob[at + 3] & 0xff);
            if (size > blob.length - at - 4) {
                throw new IllegalArgumentException("the SSH public key is truncated");
            }
            if (field == 0 && type.contains("ed25519") && size != 32) {
                throw new IllegalArgumentException("the SSH public key is not a 32-byte Ed25519 key");
            }
            String curve = new String(blob, at + 4, (int) size, StandardCharsets.US_ASCII);
            if (field == 0 && type.contains("ecdsa-sha2-") && !type.equals("ecdsa-sha2-" + curve)
                    && !type.equals("sk-ecdsa-sha2-" + curve + "@openssh.com")) {
                throw new IllegalArgumentException("the SSH public key's curve does not match its type " + type);
            }
            at += 4 + (int) size;
        }
        if (at != blob.length) {
            throw new IllegalArgumentException("the SSH public key has unexpected bytes after its last field");
        }
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
