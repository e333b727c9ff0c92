-- Takes off the list every fact row whose anime or status the rebuilt dimensions no longer define
-- (removed_keys), holds it back (a later dimension change may define it again) and quarantines it
-- in run $1's rejects, naming the row's source object and line. The status is named first, as the
-- encoder checks it first. The old values go to reconciled_removed, for the aggregates to subtract.
-- One scan of anime_list, run only when the aggregates count fact rows of a removed key
-- (sql/dimensions/count_removed_keys.sql); the rows it removes must be exactly that many.
with gone as (
  delete from public.anime_list l
  -- The keys as two arrays, each computed once: the scan's test is then a comparison with each
  -- element, where `in (select ...)` probed two hashed subplans per row (8.2M rows, the bench's
  -- list: 1.5 s against 2.6 s in EXPLAIN ANALYZE, 1.9 s of the backend's CPU against 2.3 s in the
  -- run; docs/daily_deltas.md, "What the dimension run costs").
  where l.anime_id = any((select array_agg(key) from removed_keys where kind = 'anime')::int[])
     or l.watching_status
       = any((select array_agg(key) from removed_keys where kind = 'status')::int[])
  returning l.*
), judged as (
  select g.*,
    case when g.watching_status in (select key from removed_keys where kind = 'status')
      then 'unknown_watching_status' else 'unknown_anime_id' end as reason
  from gone g
), kept as (
  insert into reconciled_removed (anime_id, watching_status, rating, watched_episodes)
  select anime_id, watching_status, rating, watched_episodes from gone
), held as (
  insert into etl.held_back_list_rows
    (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
  select user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line,
    reason
  from judged
  returning 1
), quarantined as (
  insert into etl.rejects (run_id, source_key, line_number, reason, detail, raw, line_count)
  select $1, s.object_key, j.source_line, j.reason,
    case j.reason
      when 'unknown_watching_status' then 'column "watching_status": ' || j.watching_status
        || ' is no longer defined by watching_status.csv; the row left the list'
      else 'column "anime_id": ' || j.anime_id
        || ' is no longer defined by anime.csv; the row left the list'
    end,
    concat_ws(',', j.user_id, j.anime_id, j.rating, j.watching_status, j.watched_episodes), 1
  from judged j
  join public.anime_list_source s using (source_id)
  returning 1
)
select (select count(*) from judged)::float8 as removed,
       (select count(*) from held)::float8 as held,
       (select count(*) from quarantined)::float8 as quarantined
