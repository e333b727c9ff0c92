-- The run that decides a deadline whose window is [$1, $2): of the runs started in it, the one that
-- finished first among those that succeeded or were skipped (sources unchanged, so the published
-- data is current); failing that, the latest run started in it, to name in the marker.
select run_id::int as run_id, status, trigger, started_at, finished_at, error
from etl.runs
where started_at >= $1 and started_at < $2
order by status in ('succeeded', 'skipped') desc,
         case when status in ('succeeded', 'skipped') then finished_at end asc,
         run_id desc
limit 1
