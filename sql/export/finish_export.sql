-- Only a running export changes status, so a retried statement cannot turn one outcome into another.
update etl.exports
set status = $2, files = $3, interaction_rows = $4, anime_rows = $5, bytes = $6,
    manifest_sha256 = $7, error = $8, finished_at = clock_timestamp()
where export_id = $1 and status = 'running'
