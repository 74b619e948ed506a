package dev.portcullis.integrity;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPairGenerator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignaturesTest {

    private static SigningKey broker;
    private static SigningKey foreign;

    @BeforeAll
    static void keys() {
        broker = SigningKey.generate();
        foreign = SigningKey.generate();
    }

    private static Map<String, Object> statement(String digest) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "grant");
        s.put("requestDigest", digest);
        s.put("executor", "bot-7");
        return s;
    }

    @Test
    void signedStatementVerifiesUnderItsKeyId() {
        String signature = broker.sign(statement("abc"));
        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), signature)).isTrue();
    }

    @Test
    void signatureIsOverTheCanonicalFormSoKeyOrderDoesNotMatter() {
        String signature = broker.sign(statement("abc"));
        Map<String, Object> reordered = new LinkedHashMap<>();
        reordered.put("executor", "bot-7");
        reordered.put("requestDigest", "abc");
        reordered.put("type", "grant");
        assertThat(Signatures.of(broker).verify(reordered, broker.keyId(), signature)).isTrue();
    }

    @Test
    void changedStatementFails() {
        String signature = broker.sign(statement("abc"));
        Map<String, Object> changed = statement("abd");
        Map<String, Object> extended = statement("abc");
        extended.put("extra", true);

        assertThat(Signatures.of(broker).verify(changed, broker.keyId(), signature)).isFalse();
        assertThat(Signatures.of(broker).verify(extended, broker.keyId(), signature)).isFalse();
    }

    @Test
    void changedOrMissingKeyIdFails() {
        String signature = broker.sign(statement("abc"));
        String otherId = broker.keyId().substring(0, 15) + (broker.keyId().endsWith("0") ? "1" : "0");

        assertThat(Signatures.of(broker).verify(statement("abc"), otherId, signature)).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), null, signature)).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), "", signature)).isFalse();
    }

    @Test
    void changedSignatureFails() {
        String signature = broker.sign(statement("abc"));
        char[] chars = signature.toCharArray();
        chars[10] = chars[10] == 'A' ? 'B' : 'A';
        String flipped = new String(chars);

        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), flipped)).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), signature.substring(1))).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), "")).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), "not base64url!")).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), null)).isFalse();
    }

    @Test
    void signatureByAForeignKeyFails() {
        String forged = foreign.sign(statement("abc"));

        assertThat(Signatures.of(broker).verify(statement("abc"), broker.keyId(), forged)).isFalse();
        assertThat(Signatures.of(broker).verify(statement("abc"), foreign.keyId(), forged)).isFalse();
    }

    @Test
    void severalKnownKeysEachVerifyTheirOwnSignaturesOnly() {
        Map<String, java.security.PublicKey> keys = new HashMap<>();
        keys.put(broker.keyId(), broker.publicKey());
        keys.put(foreign.keyId(), foreign.publicKey());
        Signatures both = new Signatures(keys);

        assertThat(both.verify(statement("abc"), broker.keyId(), broker.sign(statement("abc")))).isTrue();
        assertThat(both.verify(statement("abc"), foreign.keyId(), foreign.sign(statement("abc")))).isTrue();
        assertThat(both.verify(statement("abc"), broker.keyId(), foreign.sign(statement("abc")))).isFalse();
    }

    @Test
    void signaturesAreUnpaddedBase64UrlOfSixtyFourBytes() {
        String signature = broker.sign(statement("abc"));
        assertThat(signature).matches("[A-Za-z0-9_-]{86}");
    }

    @Test
    void ed25519SignaturesAreDeterministic() {
        assertThat(broker.sign(statement("abc"))).isEqualTo(broker.sign(statement("abc")));
        assertThat(broker.sign(statement("abc"))).isNotEqualTo(broker.sign(statement("abd")));
    }

    @Test
    void keyIdIsStableForAKey() {
        SigningKey again = new SigningKey(broker.pair());

        assertThat(again.keyId()).isEqualTo(broker.keyId());
        assertThat(SigningKey.keyIdOf(broker.publicKey())).isEqualTo(broker.keyId());
        assertThat(Signatures.of(again).verify(statement("abc"), broker.keyId(), broker.sign(statement("abc")))).isTrue();
    }

    @Test
    void keyIdIsTheStartOfTheSha256OfThePublicKey() {
        assertThat(broker.keyId())
                .hasSize(16)
                .matches("[0-9a-f]{16}")
                .isEqualTo(Digests.sha256Hex(broker.publicKey().getEncoded()).substring(0, 16));
        assertThat(foreign.keyId()).isNotEqualTo(broker.keyId());
    }

    @Test
    void nonEd25519KeyIsRefused() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        assertThatThrownBy(() -> new SigningKey(ec.generateKeyPair()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Ed25519");
    }
}
