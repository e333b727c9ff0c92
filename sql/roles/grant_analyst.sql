-- Creates the group role anime_reader (NOLOGIN: SELECT on the star tables, see grant_readers.sql)
-- and makes the analyst role named by roles/set_analyst.sql a read-only member of it, with session
-- limits. Identifiers are escaped with format('%I'); the password arrives as a SCRAM verifier,
-- never in clear text. Settings are made IN DATABASE: a role of several databases (and the
-- server's other databases) keeps its settings elsewhere. grant-analyst has refused roles that can
-- do more than read (roles/analyst_refusals.sql) before this runs, in the same transaction.
-- Leaves anime_etl.analyst_temp_file_limit_set: 'on', 'no-temp' (the role cannot create temporary
-- tables) or 'not-permitted' (only a superuser, or from 15 a role granted SET on it, may set it).
do $$
declare
  analyst text := current_setting('anime_etl.analyst_role');
  verifier text := current_setting('anime_etl.analyst_verifier');
  temp_limit text := current_setting('anime_etl.analyst_temp_file_limit');
  setting text;
  value text;
  may_set boolean;
begin
  if not exists (select from pg_roles where rolname = 'anime_reader') then
    create role anime_reader nologin;
    comment on role anime_reader is 'Read-only access to the anime star schema; granted again by every publish.';
  end if;
  execute format('grant connect on database %I to anime_reader', current_database());
  grant usage on schema public to anime_reader;
  if not exists (select from pg_roles where rolname = analyst) then
    execute format('create role %I login inherit', analyst);
  else
    execute format('alter role %I login inherit', analyst);
  end if;
  if verifier <> '' then
    execute format('alter role %I password %L', analyst, verifier);
  end if;
  -- Defence in depth: even a table it may write by mistake opens read-only.
  execute format('alter role %I in database %I set default_transaction_read_only = on',
    analyst, current_database());
  foreach setting in array array[
    'statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout'
  ] loop
    value := current_setting('anime_etl.analyst_' || setting);
    if value <> '' then
      execute format('alter role %I in database %I set %I = %L',
        analyst, current_database(), setting, value);
    end if;
  end loop;
  perform set_config('anime_etl.analyst_temp_file_limit_set', 'no-temp', true);
  if temp_limit <> '' and has_database_privilege(analyst, current_database(), 'TEMP') then
    if (select rolsuper from pg_roles where rolname = current_user) then
      may_set := true;
    elsif current_setting('server_version_num')::int >= 150000 then
      execute 'select has_parameter_privilege(''temp_file_limit'', ''SET'')' into may_set;
    else
      may_set := false;
    end if;
    if may_set then
      execute format('alter role %I in database %I set temp_file_limit = %L',
        analyst, current_database(), temp_limit);
      perform set_config('anime_etl.analyst_temp_file_limit_set', 'on', true);
    else
      perform set_config('anime_etl.analyst_temp_file_limit_set', 'not-permitted', true);
    end if;
  end if;
  execute format('grant anime_reader to %I', analyst);
end
$$
