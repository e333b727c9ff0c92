-- Which genres are most popular? List entries (an anime of the genre on a user's list, in any
-- status) per genre, top $1, with how many of them are being watched now (status 1) and how many
-- anime of the genre are listed. Read from genre_stats: one row per genre, never the list.
select genre,
       list_entries::float8 as list_entries,
       watching_entries::float8 as watching_now,
       anime_listed::int as anime_listed
from genre_stats
order by list_entries desc, genre
limit $1
