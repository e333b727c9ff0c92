-- Creates the group role anime_reader (NOLOGIN: SELECT on the star tables, see grant_readers.sql)
-- and makes the analyst role named by roles/set_analyst.sql a read-only member of it. Identifiers
-- are escaped with format('%I'); the password arrives as a SCRAM verifier, never in clear text.
-- Refuses roles that could do more than read: superusers and roles that create roles or databases,
-- replicate or bypass row security, and the role running this.
do $$
declare
  analyst text := current_setting('anime_etl.analyst_role');
  verifier text := current_setting('anime_etl.analyst_verifier');
  existing pg_roles;
  role_exists boolean;
begin
  if analyst = '' then
    raise exception 'Cannot grant analyst access: the role name is empty';
  end if;
  if analyst = current_user or analyst = 'anime_reader' then
    raise exception 'Cannot make role "%" an analyst: it is %', analyst,
      case when analyst = current_user then 'the role running this command' else 'the group role' end;
  end if;
  select * into existing from pg_roles where rolname = analyst;
  role_exists := found;
  if role_exists and (existing.rolsuper or existing.rolcreaterole or existing.rolcreatedb
      or existing.rolreplication or existing.rolbypassrls) then
    raise exception 'Cannot make role "%" an analyst: it can do more than read (superuser, createrole, createdb, replication or bypassrls)', analyst;
  end if;
  if not exists (select from pg_roles where rolname = 'anime_reader') then
    create role anime_reader nologin;
    comment on role anime_reader is 'Read-only access to the anime star schema; granted again by every publish.';
  end if;
  execute format('grant connect on database %I to anime_reader', current_database());
  grant usage on schema public to anime_reader;
  if not role_exists then
    execute format('create role %I login inherit', analyst);
  else
    execute format('alter role %I login inherit', analyst);
  end if;
  if verifier <> '' then
    execute format('alter role %I password %L', analyst, verifier);
  end if;
  -- Defence in depth: even a table it may write by mistake opens read-only.
  execute format('alter role %I set default_transaction_read_only = on', analyst);
  execute format('grant anime_reader to %I', analyst);
end
$$
