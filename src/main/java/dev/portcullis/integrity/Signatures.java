package dev.portcullis.integrity;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

/** Checks Ed25519 signatures over canonical statements against a set of known public keys by key id. */
public final class Signatures {

    private final Map<String, PublicKey> keys;

    public Signatures(Map<String, PublicKey> keys) {
        this.keys = Map.copyOf(keys);
    }

    public static Signatures of(SigningKey key) {
        return new Signatures(Map.of(key.keyId(), key.publicKey()));
    }

    public boolean verify(Object statement, String keyId, String signature) {
        PublicKey key = keyId == null ? null : keys.get(keyId);
        if (key == null || signature == null) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(Canonical.bytes(statement));
            return verifier.verify(Base64.getUrlDecoder().decode(signature));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }
}
