insert into etl.deadline_checks (deadline_at, window_start, status, run_id, detail)
values ($1, $2, $3, $4, $5)
returning check_id::int as check_id, checked_at
