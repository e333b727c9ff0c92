-- The run whose tables analysts are reading: the last one that published.
select run_id::int as run_id, started_at, finished_at
from etl.runs
where status = 'succeeded'
order by run_id desc
limit 1
