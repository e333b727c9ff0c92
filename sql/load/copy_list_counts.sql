-- The client's counts of the rows its COPY wrote into anime_list, one row per (anime, status) it
-- saw, in binary format (lib/load/list_counts.ts addListCounts).
copy list_counts (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
from stdin (format binary)
