-- Throughput of each source object in run $1: rows and stored megabytes (10^6 bytes) per second.
select source_file,
       rows_read::float8 as rows_read,
       size_bytes::float8 as size_bytes,
       seconds::float8 as seconds,
       round(rows_read / greatest(seconds, 0.001))::float8 as rows_per_second,
       round(size_bytes / 1e6 / greatest(seconds, 0.001), 1)::float8 as megabytes_per_second
from etl.run_files
where run_id = $1
order by size_bytes desc
