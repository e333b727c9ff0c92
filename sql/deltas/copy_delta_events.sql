-- One delta's final events in key order, in binary from the client's typed arrays
-- (lib/load/delta_events.ts).
copy delta_events
  (user_id, anime_id, rating, watching_status, watched_episodes, source_line, kind, held_reason)
from stdin (format binary)
