package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Vault's policy path matching and priority, as the test server applies them. */
class PolicyTest {

    @Test
    void globsMatchAsInVault() {
        assertThat(Policy.matches("secret/data/*", "secret/data/a/b")).isTrue();
        assertThat(Policy.matches("secret/data/a*", "secret/data/abc")).isTrue();
        assertThat(Policy.matches("database/creds/+", "database/creds/readonly")).isTrue();
        assertThat(Policy.matches("database/creds/+", "database/creds/readonly/x")).isFalse();
        assertThat(Policy.matches("+/sign/+", "ssh/sign/broker")).isTrue();
        assertThat(Policy.matches("sys/leases/renew", "sys/leases/renew/database/creds/x")).isFalse();
    }

    @Test
    void theMostSpecificPatternDecidesAndDenyWins() {
        Policy broad = Policy.empty().allow("secret/*", "read", "update");
        Policy narrow = Policy.empty().allow("secret/data/private/*", "deny");

        assertThat(Policy.capabilities(List.of(broad, narrow), "secret/data/private/x")).contains("deny");
        assertThat(Policy.capabilities(List.of(broad, narrow), "secret/data/public/x")).containsExactlyInAnyOrder("read", "update");
        assertThat(Policy.capabilities(List.of(broad, Policy.empty().allow("secret/*", "delete")), "secret/x"))
                .containsExactlyInAnyOrder("read", "update", "delete");
        assertThat(Policy.capabilities(List.of(broad), "ssh/sign/broker")).isEmpty();
    }

    @Test
    void unknownCapabilitiesAreRefused() {
        assertThatThrownBy(() -> Policy.empty().allow("secret/*", "write"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown capability write");
    }

    @Test
    void readsVaultsHclPolicies() {
        Policy policy = Policy.parseHcl(String.join("\n",
                "# the broker",
                "path \"ssh/sign/portcullis\" {",
                "  capabilities = [\"create\", \"update\"]",
                "}",
                "path \"secret/data/portcullis/*\" { capabilities = [\"read\"] }",
                ""));

        assertThat(policy.rules()).containsOnlyKeys("ssh/sign/portcullis", "secret/data/portcullis/*");
        assertThat(policy.rules().get("ssh/sign/portcullis")).containsExactlyInAnyOrder("create", "update");
        assertThatThrownBy(() -> Policy.parseHcl("path \"a\" { capabilities = [\"read\"] allowed_parameters = {} }"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Policy.parseHcl("path \"a\" { capabilities = [\"write\"] }"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown capability write");
    }
}
