-- Run $1 beside the last successful full refresh before it: kind, reason and wall seconds.
select r.run_id::int as run_id, r.kind, r.reason,
       round(extract(epoch from r.finished_at - r.started_at)::numeric, 1)::float8 as seconds
from etl.runs r
where r.run_id = $1
   or r.run_id = (select max(run_id) from etl.runs
                  where kind = 'full' and status = 'succeeded' and run_id < $1)
order by r.run_id
