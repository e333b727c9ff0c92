-- The last $1 runs, newest first, with their kind (full, incremental or skipped; null when a run
-- failed before planning) and their duration in seconds.
select run_id::int as run_id,
       status,
       kind,
       trigger,
       forced,
       started_at,
       round(extract(epoch from finished_at - started_at), 1)::float8 as seconds,
       error
from etl.runs
order by run_id desc
limit $1
