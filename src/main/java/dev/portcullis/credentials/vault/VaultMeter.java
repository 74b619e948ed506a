package dev.portcullis.credentials.vault;

import java.time.Duration;

/**
 * Where every Vault call's duration and outcome go: {@code portcullis_vault_request_seconds{op,outcome}} once the
 * metrics registry exists. {@code outcome} is {@code ok} or a reason code ({@code vault_sealed}, …).
 */
@FunctionalInterface
public interface VaultMeter {

    VaultMeter NONE = (op, outcome, duration) -> {
    };

    void record(String op, String outcome, Duration duration);
}
