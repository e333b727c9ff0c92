-- One row per anime and genre: the list was split, trimmed and deduplicated by
-- lib/transform/values.ts splitList.
copy anime_genre (mal_id, genre) from stdin
