package dev.portcullis.support.vault;

import java.time.Duration;
import java.time.Instant;

/** A database credential's lease; its expiry moves when renewed. */
final class Lease {

    final String id;
    final DatabaseRole role;
    final String username;
    final String tokenId;
    final Instant issueTime;
    final Instant maxExpire;
    private Instant expireTime;
    private Instant lastRenewal;
    private boolean revoking;

    Lease(String id, DatabaseRole role, String username, String tokenId, Instant issueTime) {
        this.id = id;
        this.role = role;
        this.username = username;
        this.tokenId = tokenId;
        this.issueTime = issueTime;
        this.expireTime = issueTime.plus(role.defaultTtl());
        this.maxExpire = issueTime.plus(role.maxTtl());
    }

    synchronized Instant expireTime() {
        return expireTime;
    }

    synchronized Instant lastRenewal() {
        return lastRenewal;
    }

    synchronized boolean expired(Instant now) {
        return !now.isBefore(expireTime);
    }

    synchronized long ttlSeconds(Instant now) {
        return Math.max(0, Duration.between(now, expireTime).toSeconds());
    }

    /** Marks the lease as being revoked; false if another revocation is already running. */
    synchronized boolean startRevoking() {
        if (revoking) {
            return false;
        }
        revoking = true;
        return true;
    }

    synchronized void revocationFailed() {
        revoking = false;
    }

    synchronized void renewed(Instant newExpire, Instant now) {
        expireTime = newExpire;
        lastRenewal = now;
    }

    synchronized LeaseView view() {
        return new LeaseView(id, username, issueTime, expireTime, revoking);
    }
}
