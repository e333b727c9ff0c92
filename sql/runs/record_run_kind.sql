-- What run $1 does (full, incremental, skipped) and why, recorded as soon as it is decided.
update etl.runs set kind = $2, reason = $3 where run_id = $1
