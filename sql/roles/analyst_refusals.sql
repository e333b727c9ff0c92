-- Why the role $1 may not be an analyst: one row per broken rule (rule, detail), in the README's
-- order; none for a role that does not exist yet. $2: JSON array of the roles the pipeline connects
-- as. Memberships count at any depth and whatever their INHERIT or SET option (pg_has_role MEMBER):
-- a member can SET ROLE, or be given INHERIT later. Ownership and privileges come from pg_shdepend,
-- which records them in every database of the server, so a role of another database is judged too.
with target as (
  select oid, rolname from pg_roles where rolname = $1
),
-- The role and every role it is a member of; `who` starts each detail. (A superuser counts as a
-- member of every role: for one, its own attributes say enough.)
closure as (
  select r.*, r.oid = t.oid as is_self,
    case when r.oid = t.oid then 'it is'
      else format('it is a member of "%s", which is', r.rolname) end as who
  from target t join pg_roles r on pg_has_role(t.oid, r.oid, 'MEMBER')
  where r.oid = t.oid or not (select rolsuper from pg_roles where oid = t.oid)
),
here as (
  select oid from pg_database where datname = current_database()
),
-- Shared dependencies of the closure: owned objects ('o') and ACL entries ('a').
dependencies as (
  select c.oid as role_oid, c.rolname, c.who, s.deptype, s.classid, s.objid, s.objsubid, s.dbid,
    case when s.dbid in (0, (select oid from here))
      then pg_describe_object(s.classid, s.objid, s.objsubid)
      else format('an object in database "%s"', d.datname) end as what
  from closure c
  join pg_shdepend s on s.refclassid = 'pg_authid'::regclass and s.refobjid = c.oid
  left join pg_database d on d.oid = s.dbid
  where s.deptype in ('o', 'a')
),
-- What anime_reader may hold here: CONNECT on databases, USAGE on public, SELECT on star tables.
-- (Its grants in the other databases are theirs to judge; their oids mean nothing here.)
reader_extras as (
  select format('%s on %s', a.privilege_type, dep.what) as what, dep.who
  from dependencies dep
  join pg_class rel on dep.classid = 'pg_class'::regclass and rel.oid = dep.objid
  cross join lateral aclexplode(rel.relacl) a
  where dep.rolname = 'anime_reader' and dep.deptype = 'a' and a.grantee = dep.role_oid
    and dep.dbid = (select oid from here)
    and not (
      dep.objsubid = 0 and a.privilege_type = 'SELECT'
      and rel.relnamespace = 'public'::regnamespace
      and rel.relname in (
        'anime_watching_status', 'anime_master', 'anime_meta', 'anime_score_details',
        'anime_genre', 'anime_synopsis', 'anime_list', 'anime_list_source', 'anime_stats',
        'anime_status_stats', 'genre_stats'
      )
    )
  union all
  select format('%s on %s', a.privilege_type, dep.what), dep.who
  from dependencies dep
  join pg_namespace n on dep.classid = 'pg_namespace'::regclass and n.oid = dep.objid
  cross join lateral aclexplode(n.nspacl) a
  where dep.rolname = 'anime_reader' and dep.deptype = 'a' and a.grantee = dep.role_oid
    and dep.dbid = (select oid from here)
    and not (n.nspname = 'public' and a.privilege_type = 'USAGE')
  union all
  select format('%s on %s', a.privilege_type, dep.what), dep.who
  from dependencies dep
  join pg_database db on dep.classid = 'pg_database'::regclass and db.oid = dep.objid
  cross join lateral aclexplode(db.datacl) a
  where dep.rolname = 'anime_reader' and dep.deptype = 'a' and a.grantee = dep.role_oid
    and dep.dbid = 0 and a.privilege_type <> 'CONNECT'
  union all
  select format('privileges on %s', dep.what), dep.who
  from dependencies dep
  where dep.rolname = 'anime_reader' and dep.deptype = 'a'
    and dep.dbid in (0, (select oid from here))
    and dep.classid not in (
      'pg_class'::regclass, 'pg_namespace'::regclass, 'pg_database'::regclass
    )
),
rules as (
  select 1 as priority, 'pipeline-role' as rule,
    'it is a role the pipeline connects as' ||
      case when $1 = current_user then ' (the role running this command)' else '' end as detail
  where $1 = current_user or $1 in (select jsonb_array_elements_text($2::jsonb))
  union all
  select 2, 'group-role', 'it is the group role that analysts are members of'
  where $1 = 'anime_reader'
  union all
  select 3, 'database-owner',
    format('%s the owner of database%s %s', who, case when cardinality(whats) > 1 then 's' else '' end,
      array_to_string(whats[1:3], ', ') ||
      case when cardinality(whats) > 3 then format(' and %s more', cardinality(whats) - 3) else '' end)
  from (
    select c.who, array_agg(format('"%s"', d.datname) order by d.datname) as whats
    from closure c join pg_database d on d.datdba = c.oid
    group by c.who
  ) owned_databases
  union all
  select 4, 'superuser', format('%s a superuser', who) from closure where rolsuper
  union all
  select 5, 'createrole', format('%s allowed to create roles (CREATEROLE)', who)
  from closure where rolcreaterole
  union all
  select 6, 'createdb', format('%s allowed to create databases (CREATEDB)', who)
  from closure where rolcreatedb
  union all
  select 7, 'replication', format('%s a replication role (REPLICATION)', who)
  from closure where rolreplication
  union all
  select 8, 'bypassrls', format('%s exempt from row security (BYPASSRLS)', who)
  from closure where rolbypassrls
  union all
  select 9, 'predefined-role',
    format('it is a member of the predefined role "%s", which does more than read', rolname)
  from closure
  where not is_self and oid < 16384 and rolname like 'pg\_%'
    and rolname not in (
      'pg_read_all_data', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables',
      'pg_monitor',
      -- Every owner of a database is a member of it there: the database-owner rule says so.
      'pg_database_owner'
    )
  union all
  select 10, 'owner', format('%s the owner of %s', who,
    array_to_string(whats[1:3], ', ') ||
    case when cardinality(whats) > 3 then format(' and %s more', cardinality(whats) - 3) else '' end)
  from (
    select who, array_agg(what order by what) as whats from dependencies
    where deptype = 'o' and classid <> 'pg_database'::regclass
    group by who
  ) owned
  union all
  select 11, 'privileges', format('%s granted privileges on %s', who,
    array_to_string(whats[1:3], ', ') ||
    case when cardinality(whats) > 3 then format(' and %s more', cardinality(whats) - 3) else '' end)
  from (
    select who, array_agg(what order by what) as whats from dependencies
    where deptype = 'a' and rolname <> 'anime_reader'
    group by who
  ) granted
  union all
  select 12, 'privileges', format('%s granted more than reading: %s', who,
    array_to_string(whats[1:3], ', ') ||
    case when cardinality(whats) > 3 then format(' and %s more', cardinality(whats) - 3) else '' end)
  from (select who, array_agg(what order by what) as whats from reader_extras group by who) extra
)
select rule, detail from rules order by priority, detail
