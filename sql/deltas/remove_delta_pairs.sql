-- Takes off the list every pair whose final event removes it (kind 1) or is inadmissible (2: an
-- anime or status the dimensions do not define, the pair is displaced) and counts them. The old
-- values go to delta_removed, for the aggregates to subtract.
with gone as (
  delete from anime_list as l
  using delta_events as e
  where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind <> 0
  returning e.kind, l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes
), kept as (
  insert into delta_removed (user_id, anime_id, watching_status, rating, watched_episodes)
  select user_id, anime_id, watching_status, rating, watched_episodes from gone
)
select count(*) filter (where kind = 1)::float8 as removed,
       count(*) filter (where kind = 2)::float8 as displaced
from gone
