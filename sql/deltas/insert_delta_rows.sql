-- Puts back every pair whose final event sets its values, in key order, set by source $1.
insert into anime_list
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
select user_id, anime_id, rating, watching_status, watched_episodes, $1, source_line
from delta_events
where kind = 0
order by user_id, anime_id
