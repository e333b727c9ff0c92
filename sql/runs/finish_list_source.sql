-- The list's ledger of one applied file of run $1: its source id, what a delta did, and the
-- anime_list rows after it.
update etl.run_files
set source_id = $3, rows_inserted = $4, rows_updated = $5, rows_removed = $6,
  absent_removals = $7, rows_superseded = $8, rows_displaced = $9, list_rows = $10
where run_id = $1 and source_file = $2
