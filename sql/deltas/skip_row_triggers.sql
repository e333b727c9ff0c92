-- Turns off the per-row triggers for the merge's INSERT, when the role may (a superuser, or one
-- granted SET on the parameter): the only triggers on anime_list are its foreign keys' RI checks,
-- which sql/deltas/check_delta_references.sql replaces with one set-based check of the same rows.
-- Transaction-local (set_config's true), and put back by restore_row_triggers right after.
select set_config('session_replication_role', 'replica', true) = 'replica' as skipped
where has_parameter_privilege('session_replication_role', 'SET')
