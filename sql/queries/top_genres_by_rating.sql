-- Which genres do users rate highest? Mean user rating per genre over rated list entries (rating
-- 0 means "not rated" and is left out), for genres with at least $1 ratings, top $2. Genres come
-- from anime_genre, split and trimmed, so "Comedy" and " Comedy" are one genre. Ratings per anime
-- come from anime_stats, so the join to genres handles one row per anime, never the list.
select g.genre,
       sum(a.rated_entries)::int as ratings,
       count(*)::int as anime_rated,
       round(sum(a.rating_sum)::numeric / sum(a.rated_entries), 2)::float8 as mean_rating
from anime_stats a
join anime_genre g on g.mal_id = a.anime_id
where a.rated_entries > 0
group by g.genre
having sum(a.rated_entries) >= $1
order by mean_rating desc, ratings desc, g.genre
limit $2
