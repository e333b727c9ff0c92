-- Held for one chunk only (about a second), so a publish waits at most that long for the export:
-- while held, no publish can swap the tables the chunk reads.
lock table public.anime_list, public.anime_master, public.anime_meta, public.anime_score_details,
  public.anime_genre, public.anime_synopsis
in access share mode
