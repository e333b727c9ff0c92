copy anime_meta (
  mal_id, english_name, japanese_name, type, episodes, aired, premiered, producers, licensors,
  studios, source, duration, audience_age_rating, ranked, popularity, members, favorites, watching,
  completed, on_hold, dropped, plan_to_watch
) from stdin
