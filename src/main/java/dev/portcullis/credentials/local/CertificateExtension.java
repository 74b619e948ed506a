package dev.portcullis.credentials.local;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** The OpenSSH user-certificate extensions the built-in CA can grant (PROTOCOL.certkeys). */
public enum CertificateExtension {
    PERMIT_X11_FORWARDING("permit-X11-forwarding"),
    PERMIT_AGENT_FORWARDING("permit-agent-forwarding"),
    PERMIT_PORT_FORWARDING("permit-port-forwarding"),
    PERMIT_PTY("permit-pty"),
    PERMIT_USER_RC("permit-user-rc");

    /** What {@code ssh-keygen -s} grants when told nothing else: all five. */
    public static final Set<CertificateExtension> STANDARD =
            Collections.unmodifiableSet(EnumSet.allOf(CertificateExtension.class));

    private final String wireName;

    CertificateExtension(String wireName) {
        this.wireName = wireName;
    }

    /** The name as it is written into the certificate and read by sshd. */
    public String wireName() {
        return wireName;
    }
}
