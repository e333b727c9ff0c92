insert into etl.runs (trigger, forced) values ($1, $2) returning run_id, started_at
