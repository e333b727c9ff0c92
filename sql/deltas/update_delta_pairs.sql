-- Replaces, in place, the values of every pair on the list whose final event sets values (kind 0),
-- set by source $1, and keeps their old values in delta_removed (the aggregates subtract them).
-- The old values come from a second reference to the same row by its ctid (a TID scan, no second
-- index probe), read with the statement's snapshot: RETURNING gives only new values before
-- PostgreSQL 18. anime_list's fillfactor leaves room on each page, so the new version stays on its
-- page and needs no index entry (a HOT update); the pages a delta touches write their full-page
-- images either way, but the primary key's leaves are touched only for new pairs.
with changed as (
  update anime_list as l
  set rating = e.rating, watching_status = e.watching_status,
      watched_episodes = e.watched_episodes, source_id = $1, source_line = e.source_line
  from delta_events as e, anime_list as o
  where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind = 0 and o.ctid = l.ctid
  returning o.user_id, o.anime_id, o.watching_status, o.rating, o.watched_episodes
), kept as (
  insert into delta_removed (user_id, anime_id, watching_status, rating, watched_episodes)
  select user_id, anime_id, watching_status, rating, watched_episodes from changed
)
select count(*)::float8 as updated from changed
