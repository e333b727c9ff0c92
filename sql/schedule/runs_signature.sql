-- Changes whenever a run ends or a deadline is checked (a check of the same deadline updates its
-- row, so its time is part of it), so the scheduler can refresh the dashboard after runs started
-- elsewhere (deno task etl, cron, Airflow).
select concat_ws(':',
         (select count(*) from etl.runs where finished_at is not null),
         (select max(finished_at) from etl.runs),
         (select count(*) from etl.deadline_checks),
         (select max(checked_at) from etl.deadline_checks)) as signature
