copy etl.held_back_list_rows
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
from stdin
