-- Changes whenever a run ends or a deadline is checked, so the scheduler can refresh the dashboard
-- after runs started elsewhere (deno task etl, cron, Airflow).
select concat_ws(':',
         (select count(*) from etl.runs where finished_at is not null),
         (select max(finished_at) from etl.runs),
         (select max(check_id) from etl.deadline_checks)) as signature
