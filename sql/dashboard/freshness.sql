-- How current the published data is, at now(): the last run that published (succeeded), the last
-- run that confirmed the sources current (succeeded, or skipped because no ETag changed), and the
-- last run of any status. Ages in seconds.
select now() as generated_at,
       p.run_id::int as published_run_id,
       p.finished_at as published_at,
       extract(epoch from now() - p.finished_at)::float8 as published_age_seconds,
       c.run_id::int as confirmed_run_id,
       c.status as confirmed_status,
       c.started_at as confirmed_started_at,
       c.finished_at as confirmed_at,
       extract(epoch from now() - c.finished_at)::float8 as confirmed_age_seconds,
       l.run_id::int as last_run_id,
       l.status as last_status,
       l.trigger as last_trigger,
       l.started_at as last_started_at,
       l.finished_at as last_finished_at,
       l.error as last_error
from (select 1) as one
left join lateral (
  select run_id, finished_at from etl.runs where status = 'succeeded' order by run_id desc limit 1
) p on true
left join lateral (
  select run_id, status, started_at, finished_at from etl.runs
  where status in ('succeeded', 'skipped') order by run_id desc limit 1
) c on true
left join lateral (
  select run_id, status, trigger, started_at, finished_at, error from etl.runs
  order by run_id desc limit 1
) l on true
