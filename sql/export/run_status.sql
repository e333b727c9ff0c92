-- The status of one run, to say why it cannot be exported.
select run_id::int as run_id, status from etl.runs where run_id = $1
