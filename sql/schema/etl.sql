-- Pinned by tests/schema_dump_test.ts; regenerate: UPDATE_SCHEMA_DUMPS=1 deno test --allow-all tests/schema_dump_test.ts
create table etl.deadline_checks (
  check_id bigint generated always as identity not null,
  checked_at timestamp with time zone default clock_timestamp() not null,
  deadline_at timestamp with time zone not null,
  window_start timestamp with time zone not null,
  status text not null,
  run_id bigint,
  detail text not null,
  run_finished_at timestamp with time zone
);
alter table etl.deadline_checks add constraint deadline_checks_one_per_deadline UNIQUE (deadline_at);
alter table etl.deadline_checks add constraint deadline_checks_pkey PRIMARY KEY (check_id);
alter table etl.deadline_checks add constraint deadline_checks_run_id_fkey FOREIGN KEY (run_id) REFERENCES etl.runs(run_id) ON DELETE SET NULL;
alter table etl.deadline_checks add constraint deadline_checks_status_check CHECK ((status = ANY (ARRAY['met'::text, 'late'::text, 'missed'::text, 'at_risk'::text])));
comment on table etl.deadline_checks is 'One row per deadline: did a run of its window finish successfully (or skip as unchanged) by the deadline?';
comment on column etl.deadline_checks.check_id is 'Check identifier, increasing.';
comment on column etl.deadline_checks.checked_at is 'When the deadline was last checked (a later check of the same deadline updates the row).';
comment on column etl.deadline_checks.deadline_at is 'The deadline checked: the configured time of day ([SCHEDULE] DEADLINE) in the configured time zone.';
comment on column etl.deadline_checks.window_start is 'Start of the refresh window: the last scheduled trigger strictly before the deadline.';
comment on column etl.deadline_checks.status is 'met (a run of the window finished by the deadline), late (one finished after it), missed (none), at_risk (checked early: none yet, and the expected run time says one must start now).';
comment on column etl.deadline_checks.run_id is 'The run that finished first in the window; when missed or at risk, the latest run of the window, if any.';
comment on column etl.deadline_checks.detail is 'What the check found, in words.';
comment on column etl.deadline_checks.run_finished_at is 'When that run finished successfully (met or late); null when missed or at risk.';
create table etl.exports (
  export_id bigint generated always as identity not null,
  run_id bigint not null,
  after_run_id bigint,
  trigger text not null,
  location text not null,
  started_at timestamp with time zone default clock_timestamp() not null,
  finished_at timestamp with time zone,
  status text default 'running'::text not null,
  files integer,
  interaction_rows bigint,
  anime_rows bigint,
  bytes bigint,
  manifest_sha256 text,
  error text,
  backend_pid integer not null,
  backend_start timestamp with time zone not null
);
alter table etl.exports add constraint exports_after_run_id_fkey FOREIGN KEY (after_run_id) REFERENCES etl.runs(run_id) ON DELETE SET NULL;
alter table etl.exports add constraint exports_pkey PRIMARY KEY (export_id);
alter table etl.exports add constraint exports_run_id_fkey FOREIGN KEY (run_id) REFERENCES etl.runs(run_id) ON DELETE CASCADE;
alter table etl.exports add constraint exports_status_check CHECK ((status = ANY (ARRAY['running'::text, 'succeeded'::text, 'skipped'::text, 'failed'::text])));
alter table etl.exports add constraint exports_trigger_check CHECK ((trigger = ANY (ARRAY['manual'::text, 'after-run'::text])));
CREATE INDEX exports_run_location ON etl.exports USING btree (run_id, location, status);
comment on table etl.exports is 'One row per export of a published run as Parquet files plus manifest.json, from start to its final status.';
comment on column etl.exports.export_id is 'Export identifier, increasing.';
comment on column etl.exports.run_id is 'The published run whose data set was exported (the folder run=N).';
comment on column etl.exports.after_run_id is 'The run after which [EXPORT] TARGET exported (a skipped run exports the run it left published); null for deno task export.';
comment on column etl.exports.trigger is 'manual (deno task export) or after-run ([EXPORT] TARGET).';
comment on column etl.exports.location is 'Where the export is: DIR/run=N or s3://BUCKET/PREFIX/run=N.';
comment on column etl.exports.started_at is 'When the export started.';
comment on column etl.exports.finished_at is 'When it ended; null while running.';
comment on column etl.exports.status is 'running, succeeded (written), skipped (already there, manifest matches) or failed (nothing new at location; the published data is untouched).';
comment on column etl.exports.files is 'Parquet files in the export.';
comment on column etl.exports.interaction_rows is 'Rows of the interactions files (anime_list).';
comment on column etl.exports.anime_rows is 'Rows of the anime features file.';
comment on column etl.exports.bytes is 'Bytes of the Parquet files and the manifest.';
comment on column etl.exports.manifest_sha256 is 'SHA-256 of manifest.json, hex.';
comment on column etl.exports.error is 'Why the export failed: error code and message, never secrets.';
comment on column etl.exports.backend_pid is 'PostgreSQL backend that recorded the start, to tell a dead export from a running one.';
comment on column etl.exports.backend_start is 'Start of that backend (a pid can be reused).';
create table etl.held_back_list_rows (
  user_id integer not null,
  anime_id integer not null,
  rating smallint not null,
  watching_status smallint not null,
  watched_episodes integer not null,
  source_id integer not null,
  source_line integer not null,
  reason text not null
);
alter table etl.held_back_list_rows add constraint held_back_list_rows_pkey PRIMARY KEY (user_id, anime_id, source_id, source_line);
alter table etl.held_back_list_rows add constraint held_back_list_rows_reason_check CHECK ((reason = ANY (ARRAY['unknown_anime_id'::text, 'unknown_watching_status'::text, 'duplicate_key'::text])));
comment on table etl.held_back_list_rows is 'Valid list lines held back from anime_list by the dimensions: per pair, the latest source''s lines that are not on the list (all of the snapshot''s, or a delta''s final line). Replaced by each full refresh, kept up by every run.';
comment on column etl.held_back_list_rows.user_id is 'Anonymised MyAnimeList user id.';
comment on column etl.held_back_list_rows.anime_id is 'MyAnimeList anime id, as the line gave it.';
comment on column etl.held_back_list_rows.rating is 'The line''s rating.';
comment on column etl.held_back_list_rows.watching_status is 'The line''s status code.';
comment on column etl.held_back_list_rows.watched_episodes is 'The line''s episodes.';
comment on column etl.held_back_list_rows.source_id is 'anime_list_source.source_id of the object the line is in.';
comment on column etl.held_back_list_rows.source_line is '1-based line of that object.';
comment on column etl.held_back_list_rows.reason is 'Why it was held back when it was: unknown_anime_id, unknown_watching_status, or duplicate_key (a snapshot line after the pair''s first admissible one).';
create table etl.quality_checks (
  run_id bigint not null,
  name text not null,
  status text not null,
  blocking boolean not null,
  observed text not null,
  expected text not null,
  checked_at timestamp with time zone default clock_timestamp() not null
);
alter table etl.quality_checks add constraint quality_checks_pkey PRIMARY KEY (run_id, name);
alter table etl.quality_checks add constraint quality_checks_run_id_fkey FOREIGN KEY (run_id) REFERENCES etl.runs(run_id) ON DELETE CASCADE;
alter table etl.quality_checks add constraint quality_checks_status_check CHECK ((status = ANY (ARRAY['passed'::text, 'failed'::text, 'warned'::text])));
comment on table etl.quality_checks is 'Quality checks of each run before it is published.';
comment on column etl.quality_checks.run_id is 'Run whose staged data was checked.';
comment on column etl.quality_checks.name is 'Check name, from the sql/quality file name.';
comment on column etl.quality_checks.status is 'passed, failed (a blocking failure stops the publish) or warned.';
comment on column etl.quality_checks.blocking is 'True when a failure stops the run from publishing.';
comment on column etl.quality_checks.observed is 'What the check measured.';
comment on column etl.quality_checks.expected is 'What the check requires.';
comment on column etl.quality_checks.checked_at is 'When the check ran.';
create table etl.rejects (
  run_id bigint not null,
  source_key text not null,
  line_number bigint not null,
  reason text not null,
  detail text not null,
  raw text not null,
  raw_bytes bytea,
  line_count integer not null
);
alter table etl.rejects add constraint rejects_line_count_positive CHECK ((line_count >= 1));
alter table etl.rejects add constraint rejects_run_id_fkey FOREIGN KEY (run_id) REFERENCES etl.runs(run_id) ON DELETE CASCADE;
CREATE INDEX rejects_run_reason ON etl.rejects USING btree (run_id, reason);
comment on table etl.rejects is 'Quarantined source rows: where they came from and why they were not loaded.';
comment on column etl.rejects.run_id is 'Run that quarantined the row.';
comment on column etl.rejects.source_key is 'S3 key of the source object.';
comment on column etl.rejects.line_number is '1-based physical line where the record starts (the header is line 1).';
comment on column etl.rejects.reason is 'Stable code: malformed_csv, invalid_encoding, invalid_value, missing_value, out_of_range, unknown_watching_status, unknown_anime_id, duplicate_key.';
comment on column etl.rejects.detail is 'Human-readable problem, naming the column.';
comment on column etl.rejects.raw is 'The record''s text (invalid UTF-8 shown as U+FFFD, NUL as U+2400).';
comment on column etl.rejects.raw_bytes is 'The record''s exact bytes, kept only when raw could not hold them.';
comment on column etl.rejects.line_count is 'Physical lines the record covers, starting at line_number.';
create table etl.run_files (
  run_id bigint not null,
  source_file text not null,
  bucket text not null,
  source_key text not null,
  etag text not null,
  size_bytes bigint not null,
  last_modified timestamp with time zone,
  rows_read bigint,
  rows_loaded bigint,
  rows_quarantined bigint,
  ignored_columns text[] default '{}'::text[] not null,
  seconds numeric(10,3),
  lines_total bigint,
  lines_header bigint,
  lines_loaded bigint,
  lines_quarantined bigint,
  lines_blank bigint,
  source_id integer,
  rows_inserted bigint,
  rows_updated bigint,
  rows_removed bigint,
  absent_removals bigint,
  rows_superseded bigint,
  rows_displaced bigint,
  list_rows bigint
);
alter table etl.run_files add constraint run_files_pkey PRIMARY KEY (run_id, source_file);
alter table etl.run_files add constraint run_files_run_id_fkey FOREIGN KEY (run_id) REFERENCES etl.runs(run_id) ON DELETE CASCADE;
comment on table etl.run_files is 'Each source object a run read, with its ETag and row accounting.';
comment on column etl.run_files.run_id is 'Run that read the object.';
comment on column etl.run_files.source_file is 'Logical file name, e.g. animelist.csv.';
comment on column etl.run_files.bucket is 'S3 bucket of the object.';
comment on column etl.run_files.source_key is 'S3 key of the object (may end in .gz).';
comment on column etl.run_files.etag is 'ETag the read was pinned to; unchanged ETags let a run skip.';
comment on column etl.run_files.size_bytes is 'Stored size of the object in bytes.';
comment on column etl.run_files.last_modified is 'Last-Modified of the object as listed.';
comment on column etl.run_files.rows_read is 'Data rows read (header excluded); equals loaded + quarantined.';
comment on column etl.run_files.rows_loaded is 'Rows loaded into the star schema; for a delta, its valid lines (inserted + updated + removed + absent removals + superseded).';
comment on column etl.run_files.rows_quarantined is 'Rows written to etl.rejects instead.';
comment on column etl.run_files.ignored_columns is 'Source columns the pipeline does not load (e.g. the pandas index column).';
comment on column etl.run_files.seconds is 'Wall seconds spent reading and loading the object.';
comment on column etl.run_files.lines_total is 'Physical lines of the object (line breaks, plus a last line without one).';
comment on column etl.run_files.lines_header is 'Lines of the header record (1 unless a quoted name holds a line break).';
comment on column etl.run_files.lines_loaded is 'Lines covered by rows loaded into the star schema.';
comment on column etl.run_files.lines_quarantined is 'Lines covered by rows written to etl.rejects (the sum of their line_count).';
comment on column etl.run_files.lines_blank is 'Lines that held nothing; lines_total = lines_header + lines_loaded + lines_quarantined + lines_blank.';
comment on column etl.run_files.source_id is 'anime_list_source.source_id of animelist.csv (1) and of each delta (2, 3, ... in key order); null for the dimension files.';
comment on column etl.run_files.rows_inserted is 'Delta: pairs added to anime_list.';
comment on column etl.run_files.rows_updated is 'Delta: pairs on the list whose values were replaced.';
comment on column etl.run_files.rows_removed is 'Delta: pairs removed from the list (removed = 1 or true).';
comment on column etl.run_files.absent_removals is 'Delta: removals of pairs that were not on the list (not an error).';
comment on column etl.run_files.rows_superseded is 'Delta: valid lines overridden by a later line of the same pair in the same delta.';
comment on column etl.run_files.rows_displaced is 'Delta: pairs on the list whose last line refers to an undefined watching status or anime (quarantined), so they leave the list.';
comment on column etl.run_files.list_rows is 'Rows of anime_list after this file was applied: previous + inserted - removed - displaced.';
create table etl.runs (
  run_id bigint generated always as identity not null,
  started_at timestamp with time zone default clock_timestamp() not null,
  finished_at timestamp with time zone,
  status text default 'running'::text not null,
  trigger text default 'manual'::text not null,
  forced boolean default false not null,
  error text,
  kind text,
  reason text,
  held_back_rows bigint
);
alter table etl.runs add constraint runs_kind_check CHECK ((kind = ANY (ARRAY['full'::text, 'incremental'::text, 'skipped'::text])));
alter table etl.runs add constraint runs_pkey PRIMARY KEY (run_id);
alter table etl.runs add constraint runs_status_check CHECK ((status = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text, 'skipped'::text])));
comment on table etl.runs is 'One row per pipeline run, from start to its final status.';
comment on column etl.runs.run_id is 'Run identifier, increasing.';
comment on column etl.runs.started_at is 'When the run started.';
comment on column etl.runs.finished_at is 'When the run ended; null while running.';
comment on column etl.runs.status is 'running, succeeded (published), failed (nothing published) or skipped (sources unchanged).';
comment on column etl.runs.trigger is 'What started the run: manual, schedule or catch-up.';
comment on column etl.runs.forced is 'True when --force loaded unchanged sources again.';
comment on column etl.runs.error is 'Why the run failed: error code and message, never secrets.';
comment on column etl.runs.kind is 'full (snapshot then every delta), incremental (only new deltas) or skipped; null for runs that failed before planning or predate deltas.';
comment on column etl.runs.reason is 'Why the run took its kind, e.g. the fallback to a full refresh: "applied delta ... changed (ETag ...)".';
comment on column etl.runs.held_back_rows is 'Rows of etl.held_back_list_rows after the run; null when the published data does not keep them (published before they existed), which makes a dimension change a full refresh.';
create table etl.schema_migrations (
  version integer not null,
  name text not null,
  applied_at timestamp with time zone default now() not null
);
alter table etl.schema_migrations add constraint schema_migrations_pkey PRIMARY KEY (version);
comment on table etl.schema_migrations is 'Migrations applied from sql/migrations, one row per file.';
comment on column etl.schema_migrations.version is 'Number prefix of the migration file.';
comment on column etl.schema_migrations.name is 'File name of the migration.';
comment on column etl.schema_migrations.applied_at is 'When the migration was applied.';
create sequence etl.deadline_checks_check_id_seq;
create sequence etl.exports_export_id_seq;
create sequence etl.runs_run_id_seq;
