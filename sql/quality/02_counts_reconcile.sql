-- For each source file of the run: rows read = loaded + quarantined, and each table holds exactly
-- the rows its file loaded.
-- blocking: true
with files as (
  select source_file, rows_read, rows_loaded, rows_quarantined,
    case source_file
      when 'watching_status.csv' then (select count(*) from anime_watching_status)
      when 'anime.csv' then (select count(*) from anime_master)
      when 'anime_with_synopsis.csv' then (select count(*) from anime_synopsis)
      when 'animelist.csv' then (select count(*) from anime_list)
    end as in_table
  from etl.run_files
  where run_id = $1
)
select coalesce(string_agg(
         source_file || ': read ' || rows_read || ' = loaded ' || rows_loaded || ' + quarantined '
         || rows_quarantined || ', table ' || in_table, '; ' order by source_file), 'no files') as observed,
       'read = loaded + quarantined and table rows = loaded, for 4 files' as expected,
       count(*) = 4 and coalesce(bool_and(rows_read = rows_loaded + rows_quarantined and in_table = rows_loaded), false)
         as passed
from files
