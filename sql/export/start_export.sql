-- Records an export as running, with the backend recording it (see export/abandon_stale_exports);
-- the row is finished by export/finish_export.
insert into etl.exports (run_id, after_run_id, trigger, location, backend_pid, backend_start)
select $1, $2, $3, $4, a.pid, a.backend_start
from pg_stat_activity a
where a.pid = pg_backend_pid()
returning export_id::int as export_id
