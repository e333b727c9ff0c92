-- The role standbys stream WAL as (REPLICATION LOGIN and nothing else), named and given a SCRAM-SHA-256
-- verifier by replica/set_replication_role.sql: created once, its password set again on every call.
do $$
begin
  if not exists (select from pg_roles where rolname = current_setting('anime_etl.replication_role')) then
    execute format('create role %I replication login', current_setting('anime_etl.replication_role'));
  end if;
  execute format('alter role %I replication login password %L',
    current_setting('anime_etl.replication_role'), current_setting('anime_etl.replication_verifier'));
end
$$
