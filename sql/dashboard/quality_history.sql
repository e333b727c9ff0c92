-- Quality checks of the last $1 runs that ran them, oldest run first: one row per run and check.
with recent as (
  select r.run_id, r.status, r.started_at
  from etl.runs r
  where exists (select 1 from etl.quality_checks q where q.run_id = r.run_id)
  order by r.run_id desc
  limit $1
)
select q.run_id::int as run_id,
       r.status as run_status,
       r.started_at,
       q.name,
       q.status,
       q.blocking,
       q.observed,
       q.expected
from etl.quality_checks q
join recent r using (run_id)
order by q.run_id, q.name
