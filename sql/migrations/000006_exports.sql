-- Exports: each Parquet training snapshot of a published run (`deno task export`, or [EXPORT] TARGET
-- after a run), with a status of its own: a failed export leaves the run that triggered it
-- succeeded and its data published. etl.runs is unchanged.
create table etl.exports (
  export_id bigint generated always as identity primary key,
  run_id bigint not null references etl.runs on delete cascade,
  after_run_id bigint references etl.runs on delete set null,
  trigger text not null check (trigger in ('manual', 'after-run')),
  location text not null,
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  status text not null default 'running'
    check (status in ('running', 'succeeded', 'skipped', 'failed')),
  files integer,
  interaction_rows bigint,
  anime_rows bigint,
  bytes bigint,
  manifest_sha256 text,
  error text,
  backend_pid integer not null,
  backend_start timestamptz not null
);
create index exports_run_location on etl.exports (run_id, location, status);
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
