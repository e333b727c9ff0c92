-- A failure the scheduler could not record when it happened, because the database was unreachable.
-- With a run id ($1): the run left 'running' gets its failure (unless it was recorded after all, or
-- a later run already marked it abandoned). Without: the attempt never reached the database, and is
-- recorded as a failed run of its own so that the history shows it.
with updated as (
  update etl.runs set status = 'failed', finished_at = $3, error = $5
  where run_id = $1::bigint and status = 'running'
  returning run_id
), inserted as (
  insert into etl.runs (started_at, finished_at, status, trigger, error)
  select $2, $3, 'failed', $4, $5
  where $1::bigint is null
  returning run_id
)
select run_id::int as run_id from updated
union all
select run_id::int as run_id from inserted
