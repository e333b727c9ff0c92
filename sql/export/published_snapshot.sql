-- Opens the export's view of the data: the published run and a snapshot that every chunk of the
-- export imports (SET TRANSACTION SNAPSHOT), so all of them read the same data set. Runs as the
-- first statement of a REPEATABLE READ transaction, which pins the snapshot.
select run_id::int as run_id, finished_at, pg_export_snapshot() as snapshot_id
from etl.runs
where status = 'succeeded'
order by run_id desc
limit 1
