-- Leases: credentials the broker obtained under a Vault lease (dynamic database credentials), one row each,
-- so that closing a grant can revoke them and prove it. A lease moves ACTIVE → REVOKING → REVOKED, and is
-- REVOKED only once Vault's sys/leases/lookup no longer knows it (a revoke that answers 204 proves nothing);
-- FAILED means the last attempt did not confirm, with the error and when to try again. The secret itself is
-- never stored. claimed_by/claimed_until let several broker nodes share the revocation work: a node claims
-- rows with FOR UPDATE SKIP LOCKED and holds them for a short while, so a crashed node's claims expire.
CREATE TABLE leases (
    lease_id         text PRIMARY KEY,
    grant_id         uuid NOT NULL REFERENCES grants(id),
    session_id       uuid REFERENCES sessions(id),
    target_id        uuid NOT NULL REFERENCES targets(id),
    kind             text NOT NULL CHECK (kind IN ('database', 'kv')),
    issuer           text NOT NULL,
    -- the database role Vault created (a name, not a secret): its open connections are ended after revocation
    username         text,
    state            text NOT NULL CHECK (state IN ('ACTIVE', 'REVOKING', 'REVOKED', 'FAILED')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    issued_at        timestamptz NOT NULL,
    expires_at       timestamptz,
    revoked_at       timestamptz,
    next_attempt_at  timestamptz,
    claimed_by       text,
    claimed_until    timestamptz
);
CREATE INDEX leases_grant ON leases (grant_id);
CREATE INDEX leases_unfinished ON leases (state) WHERE state <> 'REVOKED';
