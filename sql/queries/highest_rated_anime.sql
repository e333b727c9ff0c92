-- Which anime is rated highest? MyAnimeList's score, among anime that at least $1 users scored
-- (the Score-1..Score-10 vote counts added up), top $2; with how users of this dataset rated them
-- (rating 0 means "not rated" and is left out of their mean), read from anime_stats.
with top as (
  select m.mal_id, m.name, m.score,
         coalesce(s.score_10, 0) + coalesce(s.score_9, 0) + coalesce(s.score_8, 0)
           + coalesce(s.score_7, 0) + coalesce(s.score_6, 0) + coalesce(s.score_5, 0)
           + coalesce(s.score_4, 0) + coalesce(s.score_3, 0) + coalesce(s.score_2, 0)
           + coalesce(s.score_1, 0) as scored_by
  from anime_master m
  join anime_score_details s using (mal_id)
  where m.score is not null
    and coalesce(s.score_10, 0) + coalesce(s.score_9, 0) + coalesce(s.score_8, 0)
          + coalesce(s.score_7, 0) + coalesce(s.score_6, 0) + coalesce(s.score_5, 0)
          + coalesce(s.score_4, 0) + coalesce(s.score_3, 0) + coalesce(s.score_2, 0)
          + coalesce(s.score_1, 0) >= $1
  order by m.score desc, scored_by desc, m.mal_id
  limit $2
)
select t.mal_id,
       t.name,
       meta.type,
       t.score::float8 as mal_score,
       t.scored_by::int as mal_votes,
       coalesce(a.rated_entries, 0)::int as dataset_ratings,
       round(a.mean_rating, 2)::float8 as dataset_mean_rating
from top t
left join anime_meta meta using (mal_id)
left join anime_stats a on a.anime_id = t.mal_id
order by t.score desc, t.scored_by desc, t.mal_id
