-- Line accounting: every physical line of every source object is covered by the header, a loaded
-- row, a quarantined row or is blank, so that one record swallowing thousands of lines (a runaway
-- quote) cannot hide them behind a row count. Runs recorded before this migration have NULL here.
alter table etl.run_files
  add column lines_total bigint,
  add column lines_header bigint,
  add column lines_loaded bigint,
  add column lines_quarantined bigint,
  add column lines_blank bigint;
comment on column etl.run_files.lines_total is 'Physical lines of the object (line breaks, plus a last line without one).';
comment on column etl.run_files.lines_header is 'Lines of the header record (1 unless a quoted name holds a line break).';
comment on column etl.run_files.lines_loaded is 'Lines covered by rows loaded into the star schema.';
comment on column etl.run_files.lines_quarantined is 'Lines covered by rows written to etl.rejects (the sum of their line_count).';
comment on column etl.run_files.lines_blank is 'Lines that held nothing; lines_total = lines_header + lines_loaded + lines_quarantined + lines_blank.';

-- The lines each quarantined record covers: more than 1 when a quoted field holds line breaks. Older
-- rows get the count of line breaks in their raw text (LF, and CR not followed by LF), plus one.
alter table etl.rejects add column line_count integer;
update etl.rejects
set line_count = 1 + length(raw) - length(replace(raw, E'\n', ''))
  + length(replace(raw, E'\r\n', '')) - length(replace(replace(raw, E'\r\n', ''), E'\r', ''));
alter table etl.rejects
  alter column line_count set not null,
  add constraint rejects_line_count_positive check (line_count >= 1);
comment on column etl.rejects.line_count is 'Physical lines the record covers, starting at line_number.';
