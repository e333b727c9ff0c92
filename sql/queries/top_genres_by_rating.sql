-- Which genres do users rate highest? Mean user rating per genre over rated list entries (rating
-- 0 means "not rated" and is left out), for genres with at least $1 ratings, top $2. Genres come
-- from anime_genre, split and trimmed, so "Comedy" and " Comedy" are one genre. Ratings are summed
-- per anime first, so the join to genres handles one row per anime instead of one per rating.
with per_anime as (
  select anime_id, count(*) as ratings, sum(rating) as rating_sum
  from anime_list
  where rating > 0
  group by anime_id
)
select g.genre,
       sum(p.ratings)::int as ratings,
       count(*)::int as anime_rated,
       round(sum(p.rating_sum)::numeric / sum(p.ratings), 2)::float8 as mean_rating
from per_anime p
join anime_genre g on g.mal_id = p.anime_id
group by g.genre
having sum(p.ratings) >= $1
order by mean_rating desc, ratings desc, g.genre
limit $2
