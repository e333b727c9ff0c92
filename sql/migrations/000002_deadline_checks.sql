-- Deadline checks: whether the data had been refreshed by each day's deadline. Written by
-- `deno task deadline:check` and by the scheduler after each deadline; a row with status 'missed'
-- is the marker a monitor alerts on. etl.runs is unchanged: its status values stay
-- running|succeeded|failed|skipped.
create table etl.deadline_checks (
  check_id bigint generated always as identity primary key,
  checked_at timestamptz not null default clock_timestamp(),
  deadline_at timestamptz not null,
  window_start timestamptz not null,
  status text not null check (status in ('met', 'missed')),
  run_id bigint references etl.runs on delete set null,
  detail text not null
);
create index deadline_checks_deadline on etl.deadline_checks (deadline_at, check_id);
comment on table etl.deadline_checks is 'One row per deadline check: was a run succeeded or skipped since the refresh window opened?';
comment on column etl.deadline_checks.check_id is 'Check identifier, increasing.';
comment on column etl.deadline_checks.checked_at is 'When the check ran.';
comment on column etl.deadline_checks.deadline_at is 'The deadline checked: the configured time of day ([SCHEDULE] DEADLINE) in the configured time zone.';
comment on column etl.deadline_checks.window_start is 'Start of the refresh window: the last scheduled trigger at or before the deadline.';
comment on column etl.deadline_checks.status is 'met (a run succeeded or was skipped as unchanged since window_start) or missed.';
comment on column etl.deadline_checks.run_id is 'The run that met the deadline; when missed, the latest run since window_start, if any.';
comment on column etl.deadline_checks.detail is 'What the check found, in words.';
