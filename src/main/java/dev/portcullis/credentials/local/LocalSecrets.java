package dev.portcullis.credentials.local;

import dev.portcullis.access.Problem;
import dev.portcullis.access.Roles;
import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Role;
import dev.portcullis.store.LedgerEvent;
import dev.portcullis.store.Transactions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Tuple;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The local secret store: named secrets an admin puts through the API, sealed with AES-256-GCM under a key in
 * {@code <dataDir>/keys/local-secrets.key} (created on first start, mode 0600) and stored in {@code local_secrets}.
 * The name is the GCM associated data, so a sealed value copied to another name does not open. The ledger sees
 * names, never values.
 */
public final class LocalSecrets {

    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final String KEY_FILE = "local-secrets.key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Transactions transactions;
    private final SecretKey key;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    private LocalSecrets(Transactions transactions, SecretKey key) {
        this.transactions = transactions;
        this.key = key;
        this.keyId = keyIdOf(key);
    }

    /** The sealing key: read from, or on first start created in, {@code <dataDir>/keys}. Blocking: call off the event loop. */
    public static SecretKey loadOrCreateKey(Path dataDir) {
        Path dir = dataDir.resolve("keys");
        Path file = dir.resolve(KEY_FILE);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                Path tmp = Files.createTempFile(dir, "new-key", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, java.util.Base64.getEncoder().encodeToString(fresh) + "\n");
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            if (Files.getPosixFilePermissions(file).stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IllegalStateException(file + " is readable by others; chmod 600 it — it opens every local secret");
            }
            byte[] raw = java.util.Base64.getDecoder().decode(Files.readString(file).trim());
            if (raw.length != 32) {
                throw new IllegalStateException(file + " does not hold a 256-bit key");
            }
            return new SecretKeySpec(raw, "AES");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the local secret key in " + dir, e);
        }
    }

    public static LocalSecrets open(Transactions transactions, SecretKey key) {
        return new LocalSecrets(transactions, key);
    }

    /** Stores (or replaces) a secret; admins only, ledgered as {@code secret.stored} by name. */
    public Future<Void> put(Principal actor, String name, String value) {
        if (!actor.has(Role.ADMIN)) {
            return Roles.refused(transactions, actor, "secret:" + name,
                    Problem.forbidden("forbidden_role", "only a principal with role 'admin' may store secrets"));
        }
        if (!NAME.matcher(name).matches()) {
            return Future.failedFuture(Problem.unprocessable("invalid_name", "secret names are 1-64 characters of a-z, 0-9, '.', '_' and '-'"));
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            sealed = cipher(Cipher.ENCRYPT_MODE, name, nonce).doFinal(value.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            return Future.failedFuture(e);
        }
        return transactions.run(tx -> tx.sql().preparedQuery("INSERT INTO local_secrets (name, key_id, nonce, sealed, created_at, updated_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO UPDATE SET key_id = $2, nonce = $3, sealed = $4, updated_at = $5")
                .execute(Tuple.of(name, keyId, Buffer.buffer(nonce), Buffer.buffer(sealed), tx.now().atOffset(ZoneOffset.UTC)))
                .compose(done -> tx.record(new LedgerEvent("secret.stored", actor.name(), "secret:" + name, Map.of("keyId", keyId))))
                .mapEmpty());
    }

    /** The secret's value; fails with {@link CredentialUnavailable} ({@code local_secret_missing}, {@code local_secret_sealed}). */
    public Future<String> get(String name) {
        return transactions.pool().preparedQuery("SELECT key_id, nonce, sealed FROM local_secrets WHERE name = $1").execute(Tuple.of(name))
                .recover(failure -> Future.failedFuture(new CredentialUnavailable("local_secret_unreachable",
                        "the local secret store cannot be read", failure)))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.failedFuture(new CredentialUnavailable("local_secret_missing", "no local secret named " + name));
                    }
                    var row = rows.iterator().next();
                    try {
                        byte[] plain = cipher(Cipher.DECRYPT_MODE, name, row.getBuffer("nonce").getBytes())
                                .doFinal(row.getBuffer("sealed").getBytes());
                        return Future.succeededFuture(new String(plain, StandardCharsets.UTF_8));
                    } catch (GeneralSecurityException e) {
                        return Future.failedFuture(new CredentialUnavailable("local_secret_sealed",
                                "local secret " + name + " does not open with this broker's key (" + keyId + ")"));
                    }
                });
    }

    private Cipher cipher(int mode, String name, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    private static String keyIdOf(SecretKey key) {
        try {
            // A fingerprint of the key, never the key: it tells operators which key sealed a row.
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update("portcullis local secrets:".getBytes(StandardCharsets.UTF_8));
            d.update(key.getEncoded());
            return "ls-" + HexFormat.of().formatHex(d.digest(), 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
