select run_id, started_at from etl.runs where status = 'running' order by run_id desc limit 1
