-- Planner statistics for the analysts' first queries after publishing.
analyze anime_watching_status, anime_master, anime_meta, anime_score_details, anime_genre,
  anime_synopsis, anime_list;
