-- Sets the transaction's lock_timeout to $1 (e.g. '200ms'); inside a savepoint, a rollback to it
-- restores the value before.
select set_config('lock_timeout', $1, true) as lock_timeout
