package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Target;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

import java.security.PublicKey;

/**
 * Where a target's sshd is and how its identity is proven: a pinned host key, or a host CA whose certificate
 * the target presents (MINA checks the certificate's signature, validity and host name; this checks the CA).
 */
record TargetEndpoint(String host, int port, PublicKey trusted, boolean hostCa) {

    static TargetEndpoint of(Target target) {
        var e = target.endpoint();
        String host = String.valueOf(e.get("host"));
        int port = e.get("port") instanceof Number n ? n.intValue() : 22;
        if (e.get("hostKey") instanceof String line && !line.isBlank()) {
            return new TargetEndpoint(host, port, parse(line, target), false);
        }
        if (e.get("hostCa") instanceof String line && !line.isBlank()) {
            return new TargetEndpoint(host, port, parse(line, target), true);
        }
        throw new Refusal("portcullis: target " + target.name() + " pins no host key; refusing to connect");
    }

    /** Whether the key the target presented is the one it must present. */
    boolean accepts(PublicKey presented) {
        if (hostCa) {
            return presented instanceof OpenSshCertificate cert && KeyUtils.compareKeys(cert.getCaPubKey(), trusted);
        }
        return !(presented instanceof OpenSshCertificate) && KeyUtils.compareKeys(presented, trusted);
    }

    private static PublicKey parse(String line, Target target) {
        try {
            return AuthorizedKeyEntry.parseAuthorizedKeyEntry(line.strip())
                    .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
        } catch (Exception e) {
            throw new Refusal("portcullis: target " + target.name() + " has an unreadable pinned host key");
        }
    }
}
