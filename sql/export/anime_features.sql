-- The anime features, one row per anime of anime_master: meta, score details, genres as a sorted
-- list, synopsis. Small (one row per anime), read with a cursor.
select m.mal_id, m.name, m.score::float8 as score,
       coalesce((select array_agg(g.genre order by g.genre) from public.anime_genre g
                 where g.mal_id = m.mal_id), '{}') as genres,
       t.english_name, t.japanese_name, t.type, t.episodes, t.aired, t.premiered, t.producers,
       t.licensors, t.studios, t.source, t.duration, t.audience_age_rating, t.ranked, t.popularity,
       t.members, t.favorites, t.watching, t.completed, t.on_hold, t.dropped, t.plan_to_watch,
       d.score_10, d.score_9, d.score_8, d.score_7, d.score_6, d.score_5, d.score_4, d.score_3,
       d.score_2, d.score_1,
       s.synopsis
from public.anime_master m
left join public.anime_meta t on t.mal_id = m.mal_id
left join public.anime_score_details d on d.mal_id = m.mal_id
left join public.anime_synopsis s on s.mal_id = m.mal_id
order by m.mal_id
