-- What the analyst role $1 can do, as PostgreSQL decides it: read each star table, write any of them,
-- create tables in public, reach schema etl (false while it does not exist).
select
  coalesce(bool_and(has_table_privilege($1::name, c.oid, 'SELECT')), false) as reads_star,
  coalesce(bool_or(has_table_privilege($1::name, c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')), false)
    as writes_star,
  count(c.oid)::int as star_tables,
  has_schema_privilege($1::name, 'public', 'CREATE') as creates_in_public,
  (
    select coalesce(bool_or(has_schema_privilege($1::name, n.oid, 'USAGE')), false)
    from pg_namespace n where n.nspname = 'etl'
  ) as reaches_etl
from unnest(array[
  'anime_watching_status', 'anime_master', 'anime_meta', 'anime_score_details', 'anime_genre',
  'anime_synopsis', 'anime_list'
]) as star(name)
left join pg_class c on c.oid = to_regclass(format('public.%I', star.name))
