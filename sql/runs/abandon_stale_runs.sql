-- Runs still marked running while we hold the run lock belong to a process that died (SIGKILL,
-- crash, lost connection): their transaction was rolled back, so only the status is left to fix.
update etl.runs
set status = 'failed', finished_at = clock_timestamp(),
    error = 'ABANDONED: the process ended without finishing; found by run ' || $1::text
where status = 'running' and run_id <> $1
returning run_id
