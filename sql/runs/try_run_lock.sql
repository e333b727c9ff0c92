-- Session-level advisory lock held for the whole run; released when the connection closes, even on
-- a crash, so a dead run never blocks the next one.
select pg_try_advisory_lock($1) as locked
