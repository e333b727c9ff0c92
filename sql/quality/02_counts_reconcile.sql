-- For each source file of the run: rows read = loaded + quarantined; every physical line is covered
-- by the header, a loaded row, a quarantined row or is blank; the stored rejects hold exactly the
-- quarantined rows and lines; and each table holds exactly the rows its file loaded (anime_list:
-- the rows the ledger says are left after the run's last delta, see deltas_reconcile).
-- blocking: true
with files as (
  select source_file, rows_read, rows_loaded, rows_quarantined,
    lines_total, lines_header, lines_loaded, lines_quarantined, lines_blank,
    (select count(*) from etl.rejects r where r.run_id = f.run_id and r.source_key = f.source_key)
      as rejects_stored,
    (select coalesce(sum(line_count), 0) from etl.rejects r
      where r.run_id = f.run_id and r.source_key = f.source_key) as reject_lines_stored,
    case source_file
      when 'watching_status.csv' then (select count(*) from anime_watching_status)
      when 'anime.csv' then (select count(*) from anime_master)
      when 'anime_with_synopsis.csv' then (select count(*) from anime_synopsis)
      when 'animelist.csv' then (select count(*) from anime_list)
    end as in_table,
    case source_file
      when 'animelist.csv' then coalesce((select l.list_rows from etl.run_files l
        where l.run_id = f.run_id and l.source_id is not null order by l.source_id desc limit 1),
        rows_loaded)
      else rows_loaded
    end as expected_in_table
  from etl.run_files f
  where run_id = $1 and source_file not like 'animelist\_updates/%'
)
select coalesce(string_agg(
         source_file || ': read ' || rows_read || ' = loaded ' || rows_loaded || ' + quarantined '
         || rows_quarantined || ' (stored ' || rejects_stored || '), table ' || in_table
         || case when expected_in_table <> rows_loaded then ' (after deltas ' || expected_in_table || ')' else '' end
         || '; lines ' || coalesce(lines_total::text, '?') || ' = header '
         || coalesce(lines_header::text, '?') || ' + loaded ' || coalesce(lines_loaded::text, '?')
         || ' + quarantined ' || coalesce(lines_quarantined::text, '?') || ' (stored '
         || reject_lines_stored || ') + blank ' || coalesce(lines_blank::text, '?'),
         '; ' order by source_file), 'no files') as observed,
       'read = loaded + quarantined = stored rejects, table rows = loaded, and lines = header + loaded + quarantined + blank, for 4 files' as expected,
       count(*) = 4 and coalesce(bool_and(
         rows_read = rows_loaded + rows_quarantined and rows_quarantined = rejects_stored
         and in_table = expected_in_table
         and lines_total = lines_header + lines_loaded + lines_quarantined + lines_blank
         and lines_quarantined = reject_lines_stored), false) as passed
from files
