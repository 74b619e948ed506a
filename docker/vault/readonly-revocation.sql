REVOKE pg_read_all_data FROM "{{name}}";
DROP ROLE IF EXISTS "{{name}}";
