-- One row per deadline: a later check of the same deadline replaces the verdict of the earlier one
-- (callers hold sql/schedule/lock_deadline_checks.sql, so checks are serialised). The finish time
-- of a met or late run is copied from etl.runs, at full precision.
insert into etl.deadline_checks (deadline_at, window_start, status, run_id, run_finished_at, detail)
select $1, $2, $3, $4,
       case when $3 in ('met', 'late') then (select finished_at from etl.runs where run_id = $4) end,
       $5
on conflict (deadline_at) do update
set checked_at = clock_timestamp(),
    window_start = excluded.window_start,
    status = excluded.status,
    run_id = excluded.run_id,
    run_finished_at = excluded.run_finished_at,
    detail = excluded.detail
returning check_id::int as check_id, checked_at
