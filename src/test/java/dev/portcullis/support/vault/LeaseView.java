package dev.portcullis.support.vault;

import java.time.Instant;

/**
 * A live lease as the test server holds it, for assertions.
 *
 * @param id         {@code database/creds/<role>/<random>}
 * @param username   the database role created for it
 * @param issueTime  when it was issued
 * @param expireTime when the server revokes it unless renewed
 * @param revoking   whether a revocation is in progress
 */
public record LeaseView(String id, String username, Instant issueTime, Instant expireTime, boolean revoking) {
}
