-- The run whose tables analysts are reading: the last one that published, a full refresh or an
-- incremental run (latest_full_refresh gives the full refresh it builds on).
select run_id::int as run_id, started_at, finished_at, coalesce(kind, 'full') as kind
from etl.runs
where status = 'succeeded'
order by run_id desc
limit 1
