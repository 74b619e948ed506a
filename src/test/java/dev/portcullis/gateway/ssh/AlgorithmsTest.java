package dev.portcullis.gateway.ssh;

import dev.portcullis.config.PortcullisConfig;
import org.apache.sshd.common.NamedResource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ciphers the gateway can offer vendors, and the names the configuration accepts, are the same list. */
class AlgorithmsTest {

    @Test
    void everyCipherTheConfigurationAcceptsCanBeOfferedInItsOrder() {
        assertThat(Algorithms.ciphers(PortcullisConfig.Ssh.SUPPORTED_CIPHERS)).extracting(NamedResource::getName)
                .containsExactlyElementsOf(PortcullisConfig.Ssh.SUPPORTED_CIPHERS);
        assertThat(Algorithms.OFFERABLE).extracting(NamedResource::getName)
                .containsExactlyInAnyOrderElementsOf(PortcullisConfig.Ssh.SUPPORTED_CIPHERS);
    }

    @Test
    void cbcChaChaUnknownAndNoneAreRefused() {
        for (String name : List.of("aes128-cbc", "chacha20-poly1305@openssh.com", "rot13")) {
            assertThatThrownBy(() -> Algorithms.ciphers(List.of(name))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name);
        }
        assertThatThrownBy(() -> Algorithms.ciphers(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
