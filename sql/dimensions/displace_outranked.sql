-- Before the chosen held-back lines (admitted) move to the list: a row of the pair still on it is a
-- later line of the snapshot, which the admitted one now precedes, so it becomes a held-back repeat
-- and is quarantined as duplicate_key in run $1's rejects, as a full refresh would quarantine it.
-- Its values go to reconciled_removed, for the aggregates to subtract.
with displaced as (
  delete from public.anime_list l
  using admitted a
  where l.user_id = a.user_id and l.anime_id = a.anime_id
  returning l.*
), kept as (
  insert into reconciled_removed (anime_id, watching_status, rating, watched_episodes)
  select anime_id, watching_status, rating, watched_episodes from displaced
), held as (
  insert into etl.held_back_list_rows
    (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
  select user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line,
    'duplicate_key'
  from displaced
  returning 1
), quarantined as (
  insert into etl.rejects (run_id, source_key, line_number, reason, detail, raw, line_count)
  select $1, s.object_key, d.source_line, 'duplicate_key',
    '(user_id ' || d.user_id || ', anime_id ' || d.anime_id
      || ') repeats an earlier line that the dimension files now admit; the row left the list',
    concat_ws(',', d.user_id, d.anime_id, d.rating, d.watching_status, d.watched_episodes), 1
  from displaced d
  join public.anime_list_source s using (source_id)
  returning 1
)
select (select count(*) from displaced)::float8 as replaced,
       (select count(*) from quarantined)::float8 as quarantined
