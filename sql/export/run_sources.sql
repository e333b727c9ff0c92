-- The source objects a run read, with their ETags and the rows each loaded, for the manifest.
select source_file, bucket, source_key, etag, size_bytes::float8 as size_bytes, last_modified,
       rows_loaded::float8 as rows_loaded
from etl.run_files
where run_id = $1
order by source_file
