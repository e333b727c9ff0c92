-- Splits the cleaned anime.csv rows into the star's anime tables, set-based.
insert into anime_master (mal_id, name, score, genres)
select mal_id, name, score, genres from anime_source;

insert into anime_meta (
  mal_id, english_name, japanese_name, type, episodes, aired, premiered, producers, licensors,
  studios, source, duration, audience_age_rating, ranked, popularity, members, favorites, watching,
  completed, on_hold, dropped, plan_to_watch
)
select
  mal_id, english_name, japanese_name, type, episodes, aired, premiered, producers, licensors,
  studios, source, duration, audience_age_rating, ranked, popularity, members, favorites, watching,
  completed, on_hold, dropped, plan_to_watch
from anime_source;

insert into anime_score_details (
  mal_id, score_10, score_9, score_8, score_7, score_6, score_5, score_4, score_3, score_2, score_1
)
select mal_id, score_10, score_9, score_8, score_7, score_6, score_5, score_4, score_3, score_2, score_1
from anime_source;

-- genre_list was split, trimmed and deduplicated by lib/transform/values.ts splitList.
insert into anime_genre (mal_id, genre)
select mal_id, genre
from anime_source, unnest(string_to_array(genre_list, E'\x1f')) as genre
where genre_list <> '';

drop table anime_source;
