-- Adds one delta's final events (delta_events), set by source $1, to the replay.
insert into replay_events
select $1, user_id, anime_id, rating, watching_status, watched_episodes, source_line, kind,
  held_reason
from delta_events
