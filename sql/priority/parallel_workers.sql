-- Parallel workers serving the given sessions' statements right now ($1: their pids), with their
-- start times. Workers live for one statement, so this is asked again while the run works.
select pid, extract(epoch from backend_start)::float8 as started
from pg_stat_activity
where leader_pid = any($1::int[]) and pid <> all($1::int[])
