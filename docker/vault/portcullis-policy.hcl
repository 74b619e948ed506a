# Least privilege for the Portcullis broker's AppRole: sign session certificates with its SSH roles, read
# dynamic database credentials and its own KV secrets, revoke/look up/renew leases by the body form only,
# and look after its own token. Nothing else — in particular no sys/leases/revoke-prefix, no policy or
# mount changes, no other secrets. The test suite hands the same paths to its Vault test server.

path "ssh/sign/portcullis" {
  capabilities = ["create", "update"]
}

path "database/creds/readonly" {
  capabilities = ["read"]
}

path "secret/data/portcullis/*" {
  capabilities = ["read"]
}

path "sys/leases/lookup" {
  capabilities = ["update"]
}

path "sys/leases/revoke" {
  capabilities = ["update"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
