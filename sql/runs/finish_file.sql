update etl.run_files
set rows_read = $3, rows_loaded = $4, rows_quarantined = $5, ignored_columns = $6, seconds = $7
where run_id = $1 and source_file = $2
