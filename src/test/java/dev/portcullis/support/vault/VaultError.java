package dev.portcullis.support.vault;

import java.util.List;

/** A refusal as Vault writes it: a status and {@code {"errors":[…]}}. */
final class VaultError extends RuntimeException {

    final int status;
    final List<String> errors;

    VaultError(int status, List<String> errors) {
        super(status + " " + errors, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    static VaultError badRequest(String message) {
        return new VaultError(400, List.of(message));
    }

    static VaultError permissionDenied() {
        return new VaultError(403, List.of("permission denied"));
    }

    /** What Vault answers for a missing KV entry: 404 with an empty error list. */
    static VaultError notFound() {
        return new VaultError(404, List.of());
    }

    static VaultError upstream(String message) {
        return new VaultError(502, List.of(message));
    }
}
