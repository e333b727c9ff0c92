-- The run that decides a deadline whose refresh window opened at $1: the first run started since
-- then that succeeded or was skipped (sources unchanged, so the published data is current);
-- failing that, the latest run started since then, to name in the marker.
select run_id::int as run_id, status, trigger, started_at, finished_at, error
from etl.runs
where started_at >= $1
order by status in ('succeeded', 'skipped') desc,
         case when status in ('succeeded', 'skipped') then run_id end asc,
         run_id desc
limit 1
