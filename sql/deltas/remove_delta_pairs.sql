-- Takes every pair the delta touches off the list and counts what it took, by the pair's final
-- event: replaced (kind 0), removed (1) or displaced by an inadmissible line (2). The old values go
-- to delta_removed, for the aggregates to subtract.
with gone as (
  delete from anime_list as l
  using delta_events as e
  where l.user_id = e.user_id and l.anime_id = e.anime_id
  returning e.kind, l.anime_id, l.watching_status, l.rating, l.watched_episodes
), kept as (
  insert into delta_removed (anime_id, watching_status, rating, watched_episodes)
  select anime_id, watching_status, rating, watched_episodes from gone
)
select count(*) filter (where kind = 0)::float8 as updated,
       count(*) filter (where kind = 1)::float8 as removed,
       count(*) filter (where kind = 2)::float8 as displaced
from gone
