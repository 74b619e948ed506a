package dev.portcullis.integrity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, spelled as lowercase hex wherever a digest is shown or stored. */
public final class Digests {

    private Digests() {
    }

    public static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256(data));
    }

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                md.update(part);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The digest of a JSON value: SHA-256 over its RFC 8785 canonical form. */
    public static String ofCanonical(Object jsonValue) {
        return sha256Hex(Canonical.bytes(jsonValue));
    }
}
