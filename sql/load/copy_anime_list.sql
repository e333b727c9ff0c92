copy anime_list (user_id, anime_id, rating, watching_status, watched_episodes, source_line) from stdin (format binary)
