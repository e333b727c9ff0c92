copy delta_events
  (user_id, anime_id, rating, watching_status, watched_episodes, source_line, kind, held_reason)
from stdin
