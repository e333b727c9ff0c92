update etl.run_files
set rows_read = $3, rows_loaded = $4, rows_quarantined = $5, ignored_columns = $6, seconds = $7,
  lines_total = $8, lines_header = $9, lines_loaded = $10, lines_quarantined = $11,
  lines_blank = $12
where run_id = $1 and source_file = $2
