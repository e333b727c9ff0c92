-- The held-back lines of one source object, in binary from the client's typed arrays
-- (lib/load/held_back_rows.ts): no text row is built, which at 437,000 lines (the full Kaggle size)
-- left tens of megabytes of strings and write buffers resident.
copy etl.held_back_list_rows
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line, reason)
from stdin (format binary)
