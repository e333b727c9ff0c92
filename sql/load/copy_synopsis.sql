copy anime_synopsis (mal_id, synopsis) from stdin
