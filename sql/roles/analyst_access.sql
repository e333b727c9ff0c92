-- What the analyst role $1 can do, as PostgreSQL decides it: read each star table, write any of them,
-- create tables in public (and whether PUBLIC itself may: the PostgreSQL < 15 default, or a grant),
-- reach schema etl (false while it does not exist), read everything through pg_read_all_data; the
-- server's version, and its settings in this database.
select
  coalesce(bool_and(has_table_privilege($1::name, c.oid, 'SELECT')), false) as reads_star,
  coalesce(bool_or(has_table_privilege($1::name, c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')), false)
    as writes_star,
  count(c.oid)::int as star_tables,
  has_schema_privilege($1::name, 'public', 'CREATE') as creates_in_public,
  (
    select coalesce(bool_or(a.grantee = 0 and a.privilege_type = 'CREATE'), false)
    from pg_namespace n cross join lateral aclexplode(n.nspacl) a
    where n.nspname = 'public'
  ) as public_creates,
  current_setting('server_version_num')::int as server_version_num,
  (
    select coalesce(bool_or(has_schema_privilege($1::name, n.oid, 'USAGE')), false)
    from pg_namespace n where n.nspname = 'etl'
  ) as reaches_etl,
  exists (
    select from pg_roles r
    where r.rolname = 'pg_read_all_data' and pg_has_role($1::name, r.oid, 'MEMBER')
  ) as reads_all_data,
  (
    select coalesce(json_agg(setting order by setting), '[]'::json)
    from pg_db_role_setting s
    cross join lateral unnest(s.setconfig) as setting
    where s.setrole = (select oid from pg_roles where rolname = $1)
      and s.setdatabase = (select oid from pg_database where datname = current_database())
  ) as settings
from unnest(array[
  'anime_watching_status', 'anime_master', 'anime_meta', 'anime_score_details', 'anime_genre',
  'anime_synopsis', 'anime_list', 'anime_list_source', 'anime_stats', 'anime_status_stats',
  'genre_stats'
]) as star(name)
left join pg_class c on c.oid = to_regclass(format('public.%I', star.name))
