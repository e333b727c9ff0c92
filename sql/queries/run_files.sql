-- Source objects of run $1 with their ETag and row accounting (read = loaded + quarantined).
select source_file,
       source_key,
       etag,
       size_bytes::float8 as size_bytes,
       rows_read::float8 as rows_read,
       rows_loaded::float8 as rows_loaded,
       rows_quarantined::float8 as rows_quarantined,
       seconds::float8 as seconds,
       ignored_columns
from etl.run_files
where run_id = $1
order by case source_file
           when 'watching_status.csv' then 1
           when 'anime.csv' then 2
           when 'anime_with_synopsis.csv' then 3
           else 4
         end
