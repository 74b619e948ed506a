-- Signed checkpoints of the ledger head. The hash chain shows that no entry was altered or removed from
-- the middle; only a signed statement of how far the chain reached shows that none was cut off the
-- end. The broker writes one periodically and at shutdown; /ledger/verify checks every checkpoint's
-- signature and that the chain still contains the entry it names with the same hash.
CREATE TABLE ledger_checkpoints (
    seq        bigint PRIMARY KEY,
    hash       text NOT NULL,
    at         timestamptz NOT NULL,
    key_id     text NOT NULL,
    signature  text NOT NULL
);

CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();
