copy anime_source from stdin
