-- Only a running run changes status: if the commit that published a run was acknowledged too late
-- (a lost connection), the retry of this statement cannot turn "succeeded" into "failed".
update etl.runs set status = $2, error = $3, finished_at = clock_timestamp()
where run_id = $1 and status = 'running'
