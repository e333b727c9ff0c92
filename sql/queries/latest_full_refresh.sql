-- The last full refresh that published: the run whose figures are those of a whole load (the
-- snapshot then every delta). Incremental runs published since then are not it. Runs recorded
-- before runs had a kind were all full loads.
select run_id::int as run_id, started_at, finished_at
from etl.runs
where status = 'succeeded' and coalesce(kind, 'full') = 'full'
order by run_id desc
limit 1
