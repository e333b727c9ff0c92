-- One delta's final events, each with the source id set by sql/deltas/replay_source.sql.
copy replay_events
  (user_id, anime_id, rating, watching_status, watched_episodes, source_line, kind, held_reason)
from stdin
