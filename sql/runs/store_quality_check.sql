insert into etl.quality_checks (run_id, name, status, blocking, observed, expected)
values ($1, $2, $3, $4, $5, $6)
