#!/bin/sh
# Configures the demo Vault dev server for Portcullis (docker/compose.yaml runs this once, then the broker
# starts): the ssh, database and kv engines, the broker's least-privilege policy and its AppRole. The test
# suite's Vault test server is set up from the same files (portcullis-policy.hcl, readonly-*.sql).
# Needs VAULT_ADDR and VAULT_TOKEN (the dev server's root token); writes the AppRole secret id to
# $BOOTSTRAP_OUT/secret-id for the broker, and never prints a secret.
set -eu

HERE=$(dirname "$0")
OUT=${BOOTSTRAP_OUT:-/run/portcullis-vault}
DB_HOST=${DB_HOST:-postgres}
DB_NAME=${DB_NAME:-portcullis}
DB_USER=${DB_USER:-portcullis}
: "${DB_PASSWORD:?DB_PASSWORD must name the password of the database account Vault creates roles with}"

until vault status >/dev/null 2>&1; do sleep 1; done

enable() { # <path> [options…] <type>: idempotent, so the bootstrap may run again
  path=$1; shift
  if ! vault secrets list -format=json | grep -q "\"$path/\""; then
    vault secrets enable -path="$path" "$@"
  fi
}

# SSH: a user CA that signs the broker's per-session keys for exactly the granted unix user.
enable ssh ssh
vault read ssh/config/ca >/dev/null 2>&1 || vault write ssh/config/ca generate_signing_key=true key_type=ed25519 >/dev/null
vault write ssh/roles/portcullis key_type=ca allow_user_certificates=true allowed_users='*' \
  allowed_extensions='permit-pty,permit-port-forwarding' default_extensions='' \
  allow_user_key_ids=true ttl=1h max_ttl=12h algorithm_signer=default >/dev/null

# Database: dynamic read-only roles in the demo PostgreSQL, dropped when their lease is revoked.
enable database database
vault write database/config/demo plugin_name=postgresql-database-plugin allowed_roles=readonly \
  connection_url="postgresql://{{username}}:{{password}}@${DB_HOST}:5432/${DB_NAME}?sslmode=disable" \
  username="$DB_USER" password="$DB_PASSWORD" >/dev/null
vault write database/roles/readonly db_name=demo \
  creation_statements=@"$HERE/readonly-creation.sql" revocation_statements=@"$HERE/readonly-revocation.sql" \
  default_ttl=1h max_ttl=12h >/dev/null

# KV v2 (the dev server mounts secret/ already): the broker reads only secret/portcullis/*.
enable secret -version=2 kv
vault kv put secret/portcullis/db-admin username="$DB_USER" password="$DB_PASSWORD" >/dev/null
vault kv put secret/portcullis/demo-api token="demo-only-$(date +%s)" >/dev/null

# The broker's identity: an AppRole with a fixed role id and a freshly minted secret id.
vault policy write portcullis "$HERE/portcullis-policy.hcl" >/dev/null
vault auth list -format=json | grep -q '"approle/"' || vault auth enable approle >/dev/null
vault write auth/approle/role/portcullis token_policies=portcullis token_ttl=1h token_max_ttl=24h \
  secret_id_ttl=0 >/dev/null
vault write auth/approle/role/portcullis/role-id role_id=portcullis-broker >/dev/null
mkdir -p "$OUT"
# The volume holding it is mounted (read-only) into the broker's container alone, whose user is not this
# container's: the file is world-readable inside that volume. In production hand the secret id over with your
# orchestrator's secret store (or a response-wrapped token) instead.
umask 022
vault write -f -field=secret_id auth/approle/role/portcullis/secret-id > "$OUT/secret-id"
vault read -field=public_key ssh/config/ca > "$OUT/ssh-user-ca.pub"
echo "Vault configured for Portcullis: ssh, database and secret engines; AppRole portcullis (role id portcullis-broker)"
