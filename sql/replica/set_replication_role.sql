-- Parameters of replica/replication_role.sql, bound rather than spliced into its text: $1 the role's
-- name, $2 a SCRAM-SHA-256 verifier of its password. Transaction-local: they vanish with it.
select
  set_config('anime_etl.replication_role', $1, true) as role,
  set_config('anime_etl.replication_verifier', $2, true) <> '' as has_password
