-- How long a run takes, from recent history: the longest of the last 5 runs that loaded and
-- published (succeeded; a skip takes a second and says nothing about a load), in seconds. An
-- incremental run counts for the deadline like any other, but not here: any day can fall back to a
-- full refresh (a late or changed delta, a new snapshot), so the early warning keeps its time.
select max(seconds)::float8 as seconds, count(*)::int as runs
from (
  select extract(epoch from finished_at - started_at) as seconds
  from etl.runs
  where status = 'succeeded' and finished_at is not null and kind is distinct from 'incremental'
  order by run_id desc
  limit 5
) recent
