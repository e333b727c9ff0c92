-- Adds, in key order, every pair whose final event sets values and that was not on the list (the
-- pairs that were are in delta_removed, replaced in place by update_delta_pairs), set by source $1.
-- Reads only the two temporary tables (an anti-join), never anime_list.
insert into anime_list
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
select user_id, anime_id, rating, watching_status, watched_episodes, $1, source_line
from delta_events as e
where kind = 0
  and not exists (
    select from delta_removed as r where r.user_id = e.user_id and r.anime_id = e.anime_id
  )
order by user_id, anime_id
