-- Cancels the autovacuum worker $1 that holds a lock the publish waits for, as PostgreSQL itself
-- does for a lock waiter after deadlock_timeout: the worker's VACUUM or ANALYZE of that table stops,
-- and the launcher starts it again later. False when the process is gone or is not one.
select pg_cancel_backend(a.pid) as cancelled
from pg_stat_activity as a
where a.pid = $1 and a.backend_type = 'autovacuum worker'
