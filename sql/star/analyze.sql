-- Planner statistics of every staged table, taken before the swap (they move with the tables), so
-- readers never wait for them behind its locks, and the analysts' first queries after a publish are
-- planned from them. anime_list included: its key build sets only its size, and without column
-- statistics the planner takes any `user_id = $1` for 0.5% of the table (40,000 rows at 8M), so
-- every user's list ran as a parallel bitmap scan (two workers launched per answer, 14 ms instead
-- of 0.3 ms) until autovacuum got round to analyzing it, up to minutes after the publish.
analyze anime_watching_status, anime_master, anime_meta, anime_score_details, anime_genre,
  anime_synopsis, anime_list_source, anime_stats, anime_status_stats,
  genre_stats, anime_list;
