copy anime_master (mal_id, name, score, genres) from stdin
