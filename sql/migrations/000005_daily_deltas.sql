-- Daily deltas (issue 15): each run records its kind and why; each delta a run applies is a row of
-- etl.run_files (source_file 'animelist_updates/...', the key below the prefix) with its event counts
-- and the fact rows after it, so an incremental run checks its arithmetic without counting the table.
alter table etl.runs
  add column kind text check (kind in ('full', 'incremental', 'skipped')),
  add column reason text;
comment on column etl.runs.kind is 'full (snapshot then every delta), incremental (only new deltas) or skipped; null for runs that failed before planning or predate deltas.';
comment on column etl.runs.reason is 'Why the run took its kind, e.g. the fallback to a full refresh: "applied delta ... changed (ETag ...)".';

alter table etl.run_files
  add column source_id integer,
  add column rows_inserted bigint,
  add column rows_updated bigint,
  add column rows_removed bigint,
  add column absent_removals bigint,
  add column rows_superseded bigint,
  add column rows_displaced bigint,
  add column list_rows bigint;
comment on column etl.run_files.source_id is 'anime_list_source.source_id of animelist.csv (1) and of each delta (2, 3, ... in key order); null for the dimension files.';
comment on column etl.run_files.rows_inserted is 'Delta: pairs added to anime_list.';
comment on column etl.run_files.rows_updated is 'Delta: pairs on the list whose values were replaced.';
comment on column etl.run_files.rows_removed is 'Delta: pairs removed from the list (removed = 1 or true).';
comment on column etl.run_files.absent_removals is 'Delta: removals of pairs that were not on the list (not an error).';
comment on column etl.run_files.rows_superseded is 'Delta: valid lines overridden by a later line of the same pair in the same delta.';
comment on column etl.run_files.rows_displaced is 'Delta: pairs on the list whose last line refers to an undefined watching status or anime (quarantined), so they leave the list.';
comment on column etl.run_files.list_rows is 'Rows of anime_list after this file was applied: previous + inserted - removed - displaced.';
comment on column etl.run_files.rows_loaded is 'Rows loaded into the star schema; for a delta, its valid lines (inserted + updated + removed + absent removals + superseded).';
