-- Run log: runs, their source objects, quarantined rows and quality checks.
create table etl.runs (
  run_id bigint generated always as identity primary key,
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  status text not null default 'running'
    check (status in ('running', 'succeeded', 'failed', 'skipped')),
  trigger text not null default 'manual',
  forced boolean not null default false,
  error text
);
comment on table etl.runs is 'One row per pipeline run, from start to its final status.';
comment on column etl.runs.run_id is 'Run identifier, increasing.';
comment on column etl.runs.started_at is 'When the run started.';
comment on column etl.runs.finished_at is 'When the run ended; null while running.';
comment on column etl.runs.status is 'running, succeeded (published), failed (nothing published) or skipped (sources unchanged).';
comment on column etl.runs.trigger is 'What started the run: manual, schedule or catch-up.';
comment on column etl.runs.forced is 'True when --force loaded unchanged sources again.';
comment on column etl.runs.error is 'Why the run failed: error code and message, never secrets.';

create table etl.run_files (
  run_id bigint not null references etl.runs on delete cascade,
  source_file text not null,
  bucket text not null,
  source_key text not null,
  etag text not null,
  size_bytes bigint not null,
  last_modified timestamptz,
  rows_read bigint,
  rows_loaded bigint,
  rows_quarantined bigint,
  ignored_columns text[] not null default '{}',
  seconds numeric(10, 3),
  primary key (run_id, source_file)
);
comment on table etl.run_files is 'Each source object a run read, with its ETag and row accounting.';
comment on column etl.run_files.run_id is 'Run that read the object.';
comment on column etl.run_files.source_file is 'Logical file name, e.g. animelist.csv.';
comment on column etl.run_files.bucket is 'S3 bucket of the object.';
comment on column etl.run_files.source_key is 'S3 key of the object (may end in .gz).';
comment on column etl.run_files.etag is 'ETag the read was pinned to; unchanged ETags let a run skip.';
comment on column etl.run_files.size_bytes is 'Stored size of the object in bytes.';
comment on column etl.run_files.last_modified is 'Last-Modified of the object as listed.';
comment on column etl.run_files.rows_read is 'Data rows read (header excluded); equals loaded + quarantined.';
comment on column etl.run_files.rows_loaded is 'Rows loaded into the star schema.';
comment on column etl.run_files.rows_quarantined is 'Rows written to etl.rejects instead.';
comment on column etl.run_files.ignored_columns is 'Source columns the pipeline does not load (e.g. the pandas index column).';
comment on column etl.run_files.seconds is 'Wall seconds spent reading and loading the object.';

create table etl.rejects (
  run_id bigint not null references etl.runs on delete cascade,
  source_key text not null,
  line_number bigint not null,
  reason text not null,
  detail text not null,
  raw text not null,
  raw_bytes bytea
);
create index rejects_run_reason on etl.rejects (run_id, reason);
comment on table etl.rejects is 'Quarantined source rows: where they came from and why they were not loaded.';
comment on column etl.rejects.run_id is 'Run that quarantined the row.';
comment on column etl.rejects.source_key is 'S3 key of the source object.';
comment on column etl.rejects.line_number is '1-based physical line where the record starts (the header is line 1).';
comment on column etl.rejects.reason is 'Stable code: malformed_csv, invalid_encoding, invalid_value, missing_value, out_of_range, unknown_watching_status, unknown_anime_id, duplicate_key.';
comment on column etl.rejects.detail is 'Human-readable problem, naming the column.';
comment on column etl.rejects.raw is 'The record''s text (invalid UTF-8 shown as U+FFFD, NUL as U+2400).';
comment on column etl.rejects.raw_bytes is 'The record''s exact bytes, kept only when raw could not hold them.';

create table etl.quality_checks (
  run_id bigint not null references etl.runs on delete cascade,
  name text not null,
  status text not null check (status in ('passed', 'failed', 'warned')),
  blocking boolean not null,
  observed text not null,
  expected text not null,
  checked_at timestamptz not null default clock_timestamp(),
  primary key (run_id, name)
);
comment on table etl.quality_checks is 'Quality checks of each run before it is published.';
comment on column etl.quality_checks.run_id is 'Run whose staged data was checked.';
comment on column etl.quality_checks.name is 'Check name, from the sql/quality file name.';
comment on column etl.quality_checks.status is 'passed, failed (a blocking failure stops the publish) or warned.';
comment on column etl.quality_checks.blocking is 'True when a failure stops the run from publishing.';
comment on column etl.quality_checks.observed is 'What the check measured.';
comment on column etl.quality_checks.expected is 'What the check requires.';
comment on column etl.quality_checks.checked_at is 'When the check ran.';
