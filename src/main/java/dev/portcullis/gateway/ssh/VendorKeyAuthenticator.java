package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Principal;
import dev.portcullis.store.Principals;
import dev.portcullis.store.SshKeys;
import io.vertx.sqlclient.Pool;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Public-key authentication against the keys registered for principals, and nothing else: no
 * {@code authorized_keys}, no certificates, no passwords. An unregistered key is told so in an
 * authentication banner, which OpenSSH prints on the client's terminal.
 *
 * <p>MINA SSHD 2.20 accepts asynchronous answers only for password and keyboard-interactive
 * authentication, so this waits for the principal lookup — on a MINA I/O thread, never on a Vert.x event
 * loop — for at most the configured time. The lookup is one indexed query, and its answer is kept for the
 * rest of the connection, so the signed attempt that follows the probe does not query again.
 */
final class VendorKeyAuthenticator implements PublickeyAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(VendorKeyAuthenticator.class);

    private final Pool pool;
    private final Duration timeout;

    VendorKeyAuthenticator(Pool pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        GatewaySession gateway = GatewaySession.of(session);
        if (gateway == null) {
            return false;
        }
        if (key instanceof OpenSshCertificate) {
            banner(session, "portcullis: certificates are not accepted here; use the key registered for your principal");
            return false;
        }
        String fingerprint = fingerprint(key);
        Optional<Principal> principal = gateway.knownKey(fingerprint);
        if (principal == null) {
            principal = lookup(fingerprint);
            gateway.rememberKey(username, fingerprint, principal);
            if (principal.isEmpty()) {
                banner(session, "portcullis: key " + fingerprint + " (" + KeyUtils.getKeyType(key)
                        + ") is not registered for any principal");
            }
        }
        return principal.isPresent();
    }

    private Optional<Principal> lookup(String fingerprint) {
        try {
            return Principals.byKeyFingerprint(pool, fingerprint).toCompletionStage().toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            LOG.warn("principal lookup for key {} failed: {}", fingerprint, e.toString());
            return Optional.empty();
        }
    }

    /** The fingerprint exactly as {@link SshKeys} stores it: SHA-256 of the key blob, unpadded base64. */
    static String fingerprint(PublicKey key) {
        ByteArrayBuffer blob = new ByteArrayBuffer();
        blob.putRawPublicKey(key);
        return SshKeys.fingerprint(blob.getCompactData());
    }

    private static void banner(ServerSession session, String line) {
        try {
            Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER, line.length() + 16);
            buffer.putString(line + "\r\n");
            buffer.putString("");
            session.writePacket(buffer);
        } catch (IOException e) {
            LOG.debug("could not send banner: {}", e.toString());
        }
    }
}
