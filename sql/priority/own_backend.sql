-- The session's own server process and when it started: with the start time, a pid seen in /proc
-- can be told apart from another machine's process of the same number.
select pid, extract(epoch from backend_start)::float8 as started
from pg_stat_activity
where pid = pg_backend_pid()
