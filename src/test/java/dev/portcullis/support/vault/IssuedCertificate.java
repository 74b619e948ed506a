package dev.portcullis.support.vault;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A certificate {@code ssh/sign} issued, for assertions (Vault keeps no such list: certificates are
 * bound by their TTL only).
 *
 * @param serial       the serial as served: lowercase hex of the unsigned 64-bit number
 * @param signedKey    the {@code signed_key} line as served
 */
public record IssuedCertificate(String role, String serial, String keyId, String certType, List<String> principals,
        Instant validAfter, Instant validBefore, Map<String, String> extensions, Map<String, String> criticalOptions,
        String signedKey) {
}
