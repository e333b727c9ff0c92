-- Bootstrap: the schema and table that record applied migrations. Idempotent; runs before every
-- migration check.
create schema if not exists etl;
comment on schema etl is 'Pipeline bookkeeping: runs, source files, quarantined rows, quality checks.';

create table if not exists etl.schema_migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now()
);
comment on table etl.schema_migrations is 'Migrations applied from sql/migrations, one row per file.';
comment on column etl.schema_migrations.version is 'Number prefix of the migration file.';
comment on column etl.schema_migrations.name is 'File name of the migration.';
comment on column etl.schema_migrations.applied_at is 'When the migration was applied.';
