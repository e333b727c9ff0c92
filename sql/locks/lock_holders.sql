-- The sessions that kept an attempt from its locks: each other session holding a lock in a mode
-- of $3 (those that conflict with the mode requested) on one of the relations $1, whose
-- transaction was open before the attempt began (open at least $2 milliseconds): a session that
-- arrived during the attempt queued behind it instead. Without pg_read_all_stats, another role's
-- xact_start reads as null: such a session is named with its age unknown. An autovacuum worker is
-- named too: PostgreSQL cancels one that blocks a lock request only after deadlock_timeout (1 s),
-- longer than an attempt waits, so the attempts would never get past it on their own.
select a.pid,
       coalesce(a.usename, '') as user_name,
       coalesce(a.application_name, '') as application_name,
       extract(epoch from clock_timestamp() - a.xact_start)::float8 as transaction_seconds,
       -- An autovacuum worker yields to the publish (pg_cancel_backend) unless it runs to prevent
       -- transaction ID wraparound, which PostgreSQL itself never cancels either.
       (a.backend_type = 'autovacuum worker'
         and coalesce(a.query, '') not like '%(to prevent wraparound)%') as cancellable_autovacuum
from pg_stat_activity as a
where a.pid <> pg_backend_pid()
  and (a.xact_start is null or a.xact_start <= clock_timestamp() - make_interval(secs => $2 / 1000.0))
  and exists (
    select from pg_locks as l
    where l.pid = a.pid
      and l.granted
      and l.locktype = 'relation'
      and l.database = (select oid from pg_database where datname = current_database())
      and l.mode = any($3::text[])
      and l.relation in (select to_regclass(name) from unnest($1::text[]) as name)
  )
order by a.xact_start nulls last, a.pid
