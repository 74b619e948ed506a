package dev.portcullis.support.vault;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.security.SecurityUtils;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The SSH secrets engine with a CA key ({@code key_type=ca}): signs real OpenSSH certificates with
 * the server's own Ed25519 CA key, checking the request against the role exactly where Vault 1.15's
 * {@code path_issue_sign.go} does, with its messages.
 */
final class SshEngine {

    /** Vault's {@code not_before_duration} default: valid-after is set this far back. */
    static final Duration NOT_BEFORE = Duration.ofSeconds(30);

    private final KeyPair ca;
    private final String caLine;
    private final Map<String, SshRole> roles = new ConcurrentHashMap<>();
    private final List<IssuedCertificate> issued = new CopyOnWriteArrayList<>();

    SshEngine() throws GeneralSecurityException {
        this.ca = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        this.caLine = PublicKeyEntry.toString(ca.getPublic());
    }

    String caPublicKeyLine() {
        return caLine;
    }

    void role(String name, SshRole role) {
        roles.put(name, role);
    }

    List<IssuedCertificate> issued() {
        return List.copyOf(issued);
    }

    VaultReply publicKey(VaultCall call) {
        return VaultReply.text(caLine + "\n");
    }

    VaultReply sign(VaultCall call) {
        String roleName = call.param("role");
        SshRole role = roles.get(roleName);
        if (role == null) {
            throw VaultError.badRequest("Unknown role: " + roleName);
        }
        JsonObject body = call.body();
        String publicKeyText = stringField(body, "public_key");
        if (publicKeyText.isEmpty()) {
            throw VaultError.badRequest("missing public_key");
        }
        PublicKey userKey = parse(publicKeyText);
        // Fields are converted before the handler runs in Vault, so a badly typed one is refused first.
        Map<String, String> requestedCritical = mapField(body, "critical_options");
        Map<String, String> requestedExtensions = mapField(body, "extensions");
        Duration requestedTtl = Times.durationField(body.getValue("ttl"), "ttl");

        String keyId = keyId(stringField(body, "key_id"), role, call, userKey);
        String certType = body.getValue("cert_type") == null ? "user" : stringField(body, "cert_type");
        boolean host = switch (certType) {
            case "user" -> {
                if (!role.allowUserCertificates()) {
                    throw VaultError.badRequest("cert_type 'user' is not allowed by role");
                }
                yield false;
            }
            case "host" -> {
                if (!role.allowHostCertificates()) {
                    throw VaultError.badRequest("cert_type 'host' is not allowed by role");
                }
                yield true;
            }
            default -> throw VaultError.badRequest("cert_type must be either 'user' or 'host'");
        };
        List<String> principals = principals(body, role);
        Duration ttl = ttl(requestedTtl, role);
        Map<String, String> critical = criticalOptions(requestedCritical, role);
        Map<String, String> extensions = extensions(requestedExtensions, role);

        Instant now = call.now();
        Instant validAfter = Instant.ofEpochSecond(now.minus(NOT_BEFORE).getEpochSecond());
        Instant validBefore = Instant.ofEpochSecond(now.plus(ttl).getEpochSecond());
        long serial = Secrets.serial();
        OpenSshCertificate certificate;
        try {
            OpenSshCertificateBuilder builder = (host ? OpenSshCertificateBuilder.hostCertificate() : OpenSshCertificateBuilder.userCertificate())
                    .publicKey(asSshdKey(userKey))
                    .serial(serial)
                    .id(keyId)
                    .principals(principals)
                    .validAfter(validAfter)
                    .validBefore(validBefore);
            // OpenSSH wants options and extensions in lexical order.
            new TreeMap<>(critical).forEach(builder::criticalOption);
            new TreeMap<>(extensions).forEach(builder::extension);
            certificate = builder.sign(ca);
        } catch (Exception e) {
            throw new VaultError(500, List.of("failed to sign the certificate: " + e.getMessage()));
        }
        String signedKey = PublicKeyEntry.toString(certificate) + "\n";
        String serialHex = Long.toHexString(serial);
        issued.add(new IssuedCertificate(roleName, serialHex, keyId, certType, principals, validAfter, validBefore,
                Map.copyOf(extensions), Map.copyOf(critical), signedKey));
        JsonObject data = new JsonObject().put("serial_number", serialHex).put("signed_key", signedKey);
        return VaultReply.envelope(data).reply(call);
    }

    private static PublicKey parse(String line) {
        try {
            PublicKey key = PublicKeyEntry.parsePublicKeyEntry(line.trim()).resolvePublicKey(null, null, null);
            if (key == null) {
                throw VaultError.badRequest("failed to parse public_key as SSH key: unknown key type");
            }
            if (key instanceof OpenSshCertificate) {
                throw VaultError.badRequest("failed to parse public_key as SSH key: a certificate is not a public key");
            }
            return key;
        } catch (VaultError e) {
            throw e;
        } catch (Exception e) {
            throw VaultError.badRequest("failed to parse public_key as SSH key: " + e.getMessage());
        }
    }

    private static String keyId(String requested, SshRole role, VaultCall call, PublicKey key) {
        if (!requested.isEmpty()) {
            if (!role.allowUserKeyIds()) {
                throw VaultError.badRequest("setting key_id is not allowed by role");
            }
            return requested;
        }
        // Vault's key_id_format default: vault-{{token_display_name}}-{{public_key_hash}}
        return "vault-" + call.token().displayName + "-" + sha256Hex(key);
    }

    private static List<String> principals(JsonObject body, SshRole role) {
        Object raw = body.getValue("valid_principals");
        List<String> requested = new ArrayList<>();
        if (raw == null) {
            if (!role.defaultUser().isEmpty()) {
                requested.add(role.defaultUser());
            }
        } else if (raw instanceof String s) {
            Arrays.stream(s.split(",")).map(String::trim).filter(p -> !p.isEmpty()).forEach(requested::add);
        } else if (raw instanceof JsonArray a) {
            a.forEach(p -> requested.add(String.valueOf(p).trim()));
        } else {
            throw VaultError.badRequest("error converting input " + raw + " for field \"valid_principals\"");
        }
        // Vault's strutil.RemoveDuplicates sorts as it de-duplicates.
        List<String> principals = List.copyOf(new TreeSet<>(requested));
        if (principals.isEmpty()) {
            throw VaultError.badRequest("empty valid principals not allowed by role");
        }
        if (role.allowedUsers().isEmpty()) {
            throw VaultError.badRequest("role is not configured to allow any principals");
        }
        if (role.allowedUsers().contains("*")) {
            return principals;
        }
        for (String p : principals) {
            if (!role.allowedUsers().contains(p)) {
                throw VaultError.badRequest(p + " is not a valid value for valid_principals");
            }
        }
        return principals;
    }

    private static Duration ttl(Duration requested, SshRole role) {
        if (requested == null || requested.isZero()) {
            return role.effectiveTtl();
        }
        if (requested.compareTo(role.maxTtl()) > 0) {
            throw VaultError.badRequest("ttl is larger than maximum allowed " + role.maxTtl().toSeconds());
        }
        return requested;
    }

    private static Map<String, String> criticalOptions(Map<String, String> requested, SshRole role) {
        if (requested.isEmpty()) {
            return role.defaultCriticalOptions();
        }
        if (!role.allowedCriticalOptions().isEmpty()) {
            List<String> refused = requested.keySet().stream().filter(o -> !role.allowedCriticalOptions().contains(o)).sorted().toList();
            if (!refused.isEmpty()) {
                throw VaultError.badRequest("critical options not on allowed list: [" + String.join(" ", refused) + "]");
            }
        }
        return requested;
    }

    private static Map<String, String> extensions(Map<String, String> requested, SshRole role) {
        if (requested.isEmpty()) {
            return role.defaultExtensions();
        }
        if (role.allowedExtensions().contains("*")) {
            return requested;
        }
        List<String> refused = requested.keySet().stream().filter(e -> !role.allowedExtensions().contains(e)).sorted().toList();
        if (!refused.isEmpty()) {
            throw VaultError.badRequest("extensions [" + String.join(" ", refused) + "] are not on allowed list");
        }
        return requested;
    }

    private static String stringField(JsonObject body, String field) {
        Object raw = body.getValue(field);
        if (raw == null) {
            return "";
        }
        if (raw instanceof String s) {
            return s;
        }
        if (raw instanceof Number || raw instanceof Boolean) {
            return String.valueOf(raw);
        }
        throw VaultError.badRequest("error converting input " + raw + " for field \"" + field + "\"");
    }

    /**
     * A {@code TypeMap} field: only a JSON object will do. A string such as {@code {permit-pty=}}
     * (what vault-java-driver makes of a Java Map) is refused, as Vault refuses it.
     */
    private static Map<String, String> mapField(JsonObject body, String field) {
        Object raw = body.getValue(field);
        if (raw == null) {
            return Map.of();
        }
        if (!(raw instanceof JsonObject object)) {
            throw VaultError.badRequest("error converting input " + raw + " for field \"" + field + "\": '' expected a map, got '"
                    + (raw instanceof String ? "string" : raw.getClass().getSimpleName()) + "'");
        }
        Map<String, String> out = new TreeMap<>();
        object.forEach(e -> out.put(e.getKey(), e.getValue() == null ? "" : String.valueOf(e.getValue())));
        return out;
    }

    private static String sha256Hex(PublicKey key) {
        try {
            ByteArrayBuffer wire = new ByteArrayBuffer();
            wire.putPublicKey(key);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(wire.getCompactData());
            return BufferUtils.toHex(BufferUtils.EMPTY_HEX_SEPARATOR, digest).toLowerCase(java.util.Locale.ROOT);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // MINA SSHD encodes Ed25519 keys only from its EdDSA provider's class (see LocalSshCertificateAuthority).
    private static PublicKey asSshdKey(PublicKey key) throws GeneralSecurityException {
        if (key instanceof EdECPublicKey && !SecurityUtils.getEDDSAPublicKeyType().isInstance(key)) {
            KeyFactory factory = SecurityUtils.getKeyFactory(SecurityUtils.ED25519);
            return factory.generatePublic(new X509EncodedKeySpec(key.getEncoded()));
        }
        return key;
    }

    static Set<String> signFields() {
        return Set.of("public_key", "valid_principals", "ttl", "cert_type", "key_id", "extensions", "critical_options");
    }
}
