-- The broker core: who may act (principals, their keys and API tokens), what they may reach
-- (targets), what they asked for (access_requests), who signed off (approvals), what the broker
-- granted (grants), break-glass reviews, the sessions opened on grants, and the hash-chained ledger
-- that records every one of those changes. States are explicit text columns with CHECK constraints,
-- never booleans, so the lifecycle in DESIGN.md can be read off the schema.

CREATE TABLE principals (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('human', 'non-human')),
    roles       text[] NOT NULL,
    groups      text[] NOT NULL DEFAULT '{}',
    disabled    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);

-- SSH public keys a principal authenticates with at the SSH gateway; the fingerprint is unique so
-- one key can never stand for two identities.
CREATE TABLE principal_keys (
    id            uuid PRIMARY KEY,
    principal_id  uuid NOT NULL REFERENCES principals(id),
    public_key    text NOT NULL,
    fingerprint   text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL
);

-- API tokens are shown once and stored only as SHA-256 (they are 256-bit random, so a fast hash is
-- enough and lets us look a token up by its hash).
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    principal_id  uuid NOT NULL REFERENCES principals(id),
    token_hash    text NOT NULL UNIQUE,
    label         text NOT NULL,
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);

CREATE TABLE targets (
    id           uuid PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    protocol     text NOT NULL CHECK (protocol IN ('ssh', 'http')),
    environment  text NOT NULL,
    tags         text[] NOT NULL DEFAULT '{}',
    endpoint     jsonb NOT NULL,
    credential   jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL
);

CREATE TABLE access_requests (
    id                uuid PRIMARY KEY,
    ticket            text NOT NULL,
    requester_id      uuid NOT NULL REFERENCES principals(id),
    executor_id       uuid NOT NULL REFERENCES principals(id),
    target_id         uuid NOT NULL REFERENCES targets(id),
    scope             jsonb NOT NULL,
    environment       text NOT NULL,
    change_class      text NOT NULL,
    not_before        timestamptz NOT NULL,
    not_after         timestamptz NOT NULL CHECK (not_after > not_before),
    max_sessions      integer NOT NULL CHECK (max_sessions > 0),
    expected_outcome  text NOT NULL,
    rollback_plan     text NOT NULL,
    emergency         boolean NOT NULL,
    state             text NOT NULL CHECK (state IN ('PENDING', 'APPROVED', 'DENIED', 'WITHDRAWN', 'LAPSED')),
    state_reason      text,
    digest            text NOT NULL,
    policy_version    text NOT NULL,
    policy_rule       text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX access_requests_pending ON access_requests (not_after) WHERE state = 'PENDING';
CREATE INDEX access_requests_requester ON access_requests (requester_id);

-- An approval counts only for the digest it names; editing a request changes its digest, so older
-- approvals stay here as history but stop counting. One approver decides once per digest.
CREATE TABLE approvals (
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES access_requests(id),
    approver_id     uuid NOT NULL REFERENCES principals(id),
    decision        text NOT NULL CHECK (decision IN ('approve', 'deny')),
    request_digest  text NOT NULL,
    comment         text NOT NULL DEFAULT '',
    decided_at      timestamptz NOT NULL,
    key_id          text NOT NULL,
    signature       text NOT NULL,
    UNIQUE (request_id, approver_id, request_digest)
);

-- A grant copies the bound fields it serves so that its signature can be checked from the row alone;
-- the gateways re-check that the request row still has the digest the grant names.
CREATE TABLE grants (
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL UNIQUE REFERENCES access_requests(id),
    request_digest  text NOT NULL,
    executor_id     uuid NOT NULL REFERENCES principals(id),
    target_id       uuid NOT NULL REFERENCES targets(id),
    scope           jsonb NOT NULL,
    not_before      timestamptz NOT NULL,
    not_after       timestamptz NOT NULL,
    max_sessions    integer NOT NULL,
    break_glass     boolean NOT NULL,
    policy_version  text NOT NULL,
    basis           text NOT NULL,
    issued_at       timestamptz NOT NULL,
    key_id          text NOT NULL,
    signature       text NOT NULL,
    state           text NOT NULL CHECK (state IN ('SCHEDULED', 'ACTIVE', 'CLOSING', 'CLOSED', 'CLOSE_FAILED')),
    close_reason    text,
    closed_at       timestamptz
);
CREATE INDEX grants_open ON grants (executor_id, target_id) WHERE state IN ('SCHEDULED', 'ACTIVE');
CREATE INDEX grants_timers ON grants (state) WHERE state IN ('SCHEDULED', 'ACTIVE', 'CLOSING');

-- Break-glass is reviewed afterwards; while a requester has an OPEN review, they get no further break-glass.
CREATE TABLE breakglass_reviews (
    id            uuid PRIMARY KEY,
    request_id    uuid NOT NULL UNIQUE REFERENCES access_requests(id),
    grant_id      uuid NOT NULL REFERENCES grants(id),
    requester_id  uuid NOT NULL REFERENCES principals(id),
    state         text NOT NULL CHECK (state IN ('OPEN', 'CLOSED')),
    reviewer_id   uuid REFERENCES principals(id),
    outcome       text CHECK (outcome IN ('justified', 'unjustified')),
    note          text,
    opened_at     timestamptz NOT NULL,
    closed_at     timestamptz
);
CREATE UNIQUE INDEX breakglass_one_open_per_requester ON breakglass_reviews (requester_id) WHERE state = 'OPEN';

-- Sessions opened on a grant (SSH connections, HTTP sessions). The gateways fill in the details;
-- the core needs them to enforce a grant's session count.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    grant_id     uuid NOT NULL REFERENCES grants(id),
    protocol     text NOT NULL CHECK (protocol IN ('ssh', 'http')),
    state        text NOT NULL CHECK (state IN ('OPENING', 'LIVE', 'ENDED')),
    end_reason   text CHECK (end_reason IN ('client_exit', 'window_closed', 'terminated', 'upstream_closed', 'refused', 'error')),
    node         text NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX sessions_grant ON sessions (grant_id);

-- The ledger: append-only, each entry chained to the previous one by hash. UPDATE, DELETE and
-- TRUNCATE are refused by triggers; a superuser can disable them, which is why /ledger/verify
-- recomputes every link instead of trusting the stored hashes.
CREATE TABLE ledger (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    type       text NOT NULL,
    actor      text NOT NULL,
    subject    text NOT NULL,
    payload    jsonb NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL UNIQUE
);

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();

-- Any change to a grant, the request behind it or its sessions tells every broker node to drop its
-- cached verification of that grant — including a change made behind the API's back, straight in SQL.
-- payload: <table>:<grant id>:<executor id>:<target id> — what changed, and the key under which nodes
-- cache verifications of that grant.
CREATE FUNCTION notify_grant(source text, g grants) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('portcullis_grant_changed', source || ':' || g.id || ':' || g.executor_id || ':' || g.target_id);
$$;
CREATE FUNCTION grant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_grant(TG_TABLE_NAME, NEW);
    RETURN NEW;
END;
$$;
CREATE FUNCTION request_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_grant(TG_TABLE_NAME, g) FROM grants g WHERE g.request_id = NEW.id;
    RETURN NEW;
END;
$$;
CREATE FUNCTION session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_grant(TG_TABLE_NAME, g) FROM grants g WHERE g.id = NEW.grant_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER grants_changed AFTER INSERT OR UPDATE ON grants FOR EACH ROW EXECUTE FUNCTION grant_changed();
CREATE TRIGGER requests_changed AFTER UPDATE ON access_requests FOR EACH ROW EXECUTE FUNCTION request_changed();
CREATE TRIGGER sessions_changed AFTER INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION session_changed();
