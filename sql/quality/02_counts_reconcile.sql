-- For each source file of the run: rows read = loaded + quarantined; every physical line is covered
-- by the header, a loaded row, a quarantined row or is blank; the stored rejects hold exactly the
-- quarantined rows and lines; and each table holds exactly the rows its file loaded (anime_list:
-- the rows the ledger says are left after the last applied delta, see deltas_reconcile).
-- blocking: true
-- reads: fact_groups
-- anime_list's rows are counted in the checks' one scan of it (sql/quality_scan/fact_groups.sql).
-- An incremental run reads no snapshot file: checked after one (deno task quality), each file's
-- figures are those of the last run that read it, and anime_list's count is the ledger's.
with readers as (
  select f.run_id, f.source_file, f.source_key, f.rows_read, f.rows_loaded, f.rows_quarantined,
    f.lines_total, f.lines_header, f.lines_loaded, f.lines_quarantined, f.lines_blank
  from etl.run_files f
  join etl.runs r using (run_id)
  where f.source_file not like 'animelist\_updates/%' and f.rows_read is not null
    and f.run_id <= $1 and (f.run_id = $1 or r.status = 'succeeded')
), latest as (
  select distinct on (source_file) * from readers order by source_file, run_id desc
), stored as materialized (
  -- The rejects of the files' runs counted per object in one pass, not a subquery per file and
  -- figure each reading every reject of the run (the index is on run and reason).
  select r.run_id, r.source_key, count(*) as rejects, sum(r.line_count) as reject_lines
  from etl.rejects r
  where r.run_id in (select run_id from latest)
  group by r.run_id, r.source_key
), files as (
  select f.*,
    coalesce(s.rejects, 0) as rejects_stored,
    coalesce(s.reject_lines, 0) as reject_lines_stored,
    case source_file
      when 'watching_status.csv' then (select count(*) from anime_watching_status)
      when 'anime.csv' then (select count(*) from anime_master)
      when 'anime_with_synopsis.csv' then (select count(*) from anime_synopsis)
      when 'animelist.csv' then (select coalesce(sum(entries), 0) from fact_groups)
    end as in_table,
    case source_file
      when 'animelist.csv' then coalesce((select l.list_rows from etl.run_files l
        join etl.runs lr using (run_id)
        where l.source_id = (select count(*) from anime_list_source) and l.list_rows is not null
          and l.run_id <= $1 and (l.run_id = $1 or lr.status = 'succeeded')
        order by l.run_id desc limit 1), rows_loaded)
      else rows_loaded
    end as expected_in_table
  from latest f
  left join stored s using (run_id, source_key)
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
