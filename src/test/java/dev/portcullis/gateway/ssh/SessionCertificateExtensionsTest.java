package dev.portcullis.gateway.ssh;

import dev.portcullis.credentials.local.CertificateExtension;
import dev.portcullis.domain.SshScope;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The session certificate grants the target-side permissions the scope grants, and nothing more. */
class SessionCertificateExtensionsTest {

    @Test
    void forwardingInScopePermitsPortAndAgentForwarding() {
        SshScope scope = new SshScope(List.of("root"), true, List.of(), true, List.of());

        assertThat(SessionRecords.extensions(scope)).containsExactlyInAnyOrder(CertificateExtension.PERMIT_PTY,
                CertificateExtension.PERMIT_PORT_FORWARDING, CertificateExtension.PERMIT_AGENT_FORWARDING);
    }

    @Test
    void withoutForwardingOnlyATerminalIsPermitted() {
        SshScope scope = new SshScope(List.of("root"), true, List.of(), false, List.of("sftp"));

        assertThat(SessionRecords.extensions(scope)).containsExactly(CertificateExtension.PERMIT_PTY);
    }
}
