update etl.runs set status = $2, error = $3, finished_at = clock_timestamp() where run_id = $1
