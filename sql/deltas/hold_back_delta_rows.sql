-- Keeps the pairs whose final event refers to an anime or status the dimensions do not define, set
-- by source $1: a later change of the dimension files admits them.
insert into etl.held_back_list_rows
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
select user_id, anime_id, rating, watching_status, watched_episodes, $1, source_line, held_reason
from delta_events
where kind = 2
