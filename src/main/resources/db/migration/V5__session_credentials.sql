-- A session row names what it ran under and what it was given (DESIGN: "the session record names the grant
-- digest and the credential it was issued"): request_digest is the digest of the request the grant approved,
-- credential a reference to the credential the broker obtained for the session — for SSH the certificate's
-- issuer and serial, for HTTP where the injected secret came from (local secret or Vault KV path and version)
-- and its lease, if any. Never the secret itself.
ALTER TABLE sessions ADD COLUMN request_digest text, ADD COLUMN credential text;

-- Filling in the credential is not a change any broker node's grant checks depend on: only inserts and
-- state changes tell the nodes to drop their cached checks.
DROP TRIGGER sessions_changed ON sessions;
CREATE TRIGGER sessions_changed AFTER INSERT OR UPDATE OF state, end_reason, grant_id ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_changed();
