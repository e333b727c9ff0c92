-- The source objects run $1 read: key, ETag, size, S3 Last-Modified and its age in seconds at
-- now(), and the row accounting.
select source_file,
       source_key,
       etag,
       size_bytes::float8 as size_bytes,
       last_modified,
       extract(epoch from now() - last_modified)::float8 as age_seconds,
       rows_read::float8 as rows_read,
       rows_loaded::float8 as rows_loaded,
       rows_quarantined::float8 as rows_quarantined
from etl.run_files
where run_id = $1
order by case source_file
           when 'watching_status.csv' then 1
           when 'anime.csv' then 2
           when 'anime_with_synopsis.csv' then 3
           else 4
         end
