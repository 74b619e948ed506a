package dev.portcullis.store;

import java.util.Map;

/**
 * Something to append to the ledger: a dotted type ({@code request.filed}, {@code grant.revoked},
 * {@code access.refused}), who did it (a principal name or {@code broker}), what it concerns
 * ({@code request:<id>}, {@code grant:<id>}) and a JSON payload that never carries a secret.
 */
public record LedgerEvent(String type, String actor, String subject, Map<String, Object> payload) {
}
