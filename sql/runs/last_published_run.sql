select max(run_id) as run_id from etl.runs where status = 'succeeded'
