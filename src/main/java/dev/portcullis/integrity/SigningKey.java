package dev.portcullis.integrity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * The broker's Ed25519 signing key. Its id is the first 16 hex digits of the SHA-256 of the public key
 * (X.509 encoding), so a signature names the key that made it and old keys can still be checked.
 */
public final class SigningKey {

    private final KeyPair pair;
    private final String keyId;

    public SigningKey(KeyPair pair) {
        if (!"EdDSA".equals(pair.getPublic().getAlgorithm()) && !"Ed25519".equals(pair.getPublic().getAlgorithm())) {
            throw new IllegalArgumentException("the broker signs with Ed25519, not " + pair.getPublic().getAlgorithm());
        }
        this.pair = pair;
        this.keyId = keyIdOf(pair.getPublic());
    }

    public static SigningKey generate() {
        try {
            return new SigningKey(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of Java 17", e);
        }
    }

    public static String keyIdOf(PublicKey key) {
        return Digests.sha256Hex(key.getEncoded()).substring(0, 16);
    }

    public String keyId() {
        return keyId;
    }

    public KeyPair pair() {
        return pair;
    }

    public PublicKey publicKey() {
        return pair.getPublic();
    }

    /** Signs the canonical form of {@code statement}; base64url without padding. */
    public String sign(Object statement) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(pair.getPrivate());
            signer.update(Canonical.bytes(statement));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
