-- The HTTP gateway's local secret store: the credentials the broker injects into HTTP exchanges when a
-- target's credential block says {"local": {"secret": "<name>", ...}} (the embedded default; Vault KV is
-- the other source). Values are sealed with AES-256-GCM under a key kept in <dataDir>/keys/, never in the
-- database, so a database dump or backup alone reveals no secret; the secret's name is bound into the
-- seal (associated data), so a value moved to another row does not open. Writes are ledgered by name only.
CREATE TABLE local_secrets (
    name        text PRIMARY KEY,
    key_id      text NOT NULL,
    nonce       bytea NOT NULL,
    sealed      bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
