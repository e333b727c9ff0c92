-- Exports still marked running whose recording backend is gone belong to a process that died
-- (SIGKILL, crash, lost connection): nothing was published at their location, only the status is
-- left to fix.
update etl.exports e
set status = 'failed', finished_at = clock_timestamp(),
    error = 'ABANDONED: the process ended without finishing; found by export ' || $1::text
where e.status = 'running' and e.export_id <> $1
  and not exists (
    select 1 from pg_stat_activity a where a.pid = e.backend_pid and a.backend_start = e.backend_start
  )
returning export_id
