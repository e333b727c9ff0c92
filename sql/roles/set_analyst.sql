-- Parameters of roles/grant_analyst.sql, bound rather than spliced into its text: $1 the analyst's
-- role name, $2 a SCRAM-SHA-256 verifier of its password or '' to leave the password as it is,
-- $3..$6 its session limits in this database (statement_timeout, idle_in_transaction_session_timeout,
-- lock_timeout, temp_file_limit; '' leaves one unset). Transaction-local: they vanish with it.
select
  set_config('anime_etl.analyst_role', $1, true) as role,
  set_config('anime_etl.analyst_verifier', $2, true) <> '' as has_password,
  set_config('anime_etl.analyst_statement_timeout', $3, true) as statement_timeout,
  set_config('anime_etl.analyst_idle_in_transaction_session_timeout', $4, true) as idle_timeout,
  set_config('anime_etl.analyst_lock_timeout', $5, true) as lock_timeout,
  set_config('anime_etl.analyst_temp_file_limit', $6, true) as temp_file_limit
