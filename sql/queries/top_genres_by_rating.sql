-- Which genres do users rate highest? Mean user rating per genre over rated list entries (rating
-- 0 means "not rated" and is left out), for genres with at least $1 ratings, top $2. Genres come
-- from anime_genre, split and trimmed, so "Comedy" and " Comedy" are one genre. Read from
-- genre_stats: one row per genre, summed from the per-anime aggregates, never from the list.
select genre,
       rated_entries::int as ratings,
       anime_rated::int as anime_rated,
       round(rating_sum::numeric / rated_entries, 2)::float8 as mean_rating
from genre_stats
where anime_rated > 0 and rated_entries::numeric >= $1
order by mean_rating desc, ratings desc, genre
limit $2
