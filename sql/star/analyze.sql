-- Planner statistics of the small staged tables for the analysts' first queries, taken before the
-- swap (they move with the tables), so readers never wait for them behind its locks. anime_list is
-- left to autovacuum: sampling it took about a second at 8M rows, and its key build already set
-- its size.
analyze anime_watching_status, anime_master, anime_meta, anime_score_details, anime_genre,
  anime_synopsis, anime_list_source, anime_stats, anime_status_stats,
  genre_stats;
