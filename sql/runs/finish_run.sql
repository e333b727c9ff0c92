-- Only a running run changes status: if the commit that published a run was acknowledged too late
-- (a lost connection), the retry of this statement cannot turn "succeeded" into "failed".
-- The run's kind and reason are written here, with its final status, and not when they are decided:
-- an update of the run's row mid-run would wait behind anyone holding it (a monitor, a test).
-- $6: the published data keeps its held-back rows (etl.held_back_list_rows), so their count is
-- recorded; a run on data published before they existed leaves it null.
update etl.runs set status = $2, error = $3, finished_at = clock_timestamp(),
  kind = coalesce($4, kind), reason = coalesce($5, reason),
  held_back_rows = case when $6::boolean then (select count(*) from etl.held_back_list_rows) end
where run_id = $1 and status = 'running'
