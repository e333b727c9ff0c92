-- The held-back lines after all the deltas: a touched pair keeps only its final event's line, when
-- that refers to an anime or status the dimensions do not define (as day by day leaves it).
delete from etl.held_back_list_rows as h
using replay_finals as f
where h.user_id = f.user_id and h.anime_id = f.anime_id;
insert into etl.held_back_list_rows
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
select user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line,
  held_reason
from replay_finals
where kind = 2;
