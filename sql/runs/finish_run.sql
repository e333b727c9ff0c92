-- Only a running run changes status: if the commit that published a run was acknowledged too late
-- (a lost connection), the retry of this statement cannot turn "succeeded" into "failed".
-- The run's kind and reason are written here, with its final status, and not when they are decided:
-- an update of the run's row mid-run would wait behind anyone holding it (a monitor, a test).
update etl.runs set status = $2, error = $3, finished_at = clock_timestamp(),
  kind = coalesce($4, kind), reason = coalesce($5, reason)
where run_id = $1 and status = 'running'
