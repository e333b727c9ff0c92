-- The final event of each pair across all the deltas: last line wins across deltas in key order,
-- as applying them one after the other leaves it.
drop table if exists pg_temp.replay_finals;
create temp table replay_finals on commit drop as
select distinct on (user_id, anime_id) *
from replay_events
order by user_id, anime_id, source_id desc;
analyze replay_finals;
