insert into etl.run_files (run_id, source_file, bucket, source_key, etag, size_bytes, last_modified)
values ($1, $2, $3, $4, $5, $6, $7)
