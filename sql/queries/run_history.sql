-- All runs so far, per final status: how many, and how long they took (seconds).
select status,
       count(*)::int as runs,
       round(percentile_cont(0.5) within group (
         order by extract(epoch from finished_at - started_at))::numeric, 1)::float8 as median_seconds,
       round(max(extract(epoch from finished_at - started_at))::numeric, 1)::float8 as max_seconds,
       max(started_at) as last_started
from etl.runs
where finished_at is not null
group by status
order by status
