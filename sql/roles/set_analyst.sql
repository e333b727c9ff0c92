-- Parameters of roles/grant_analyst.sql, bound rather than spliced into its text: $1 the analyst's
-- role name, $2 a SCRAM-SHA-256 verifier of its password or '' to leave the password as it is.
-- Transaction-local, so they vanish with the transaction.
select
  set_config('anime_etl.analyst_role', $1, true) as role,
  set_config('anime_etl.analyst_verifier', $2, true) <> '' as has_password
