-- Which genres are most popular? List entries (an anime of the genre on a user's list, in any
-- status) per genre, top $1, with how many of them are being watched now (status 1) and how many
-- anime of the genre are listed. Entries per anime come from the aggregates (anime_stats and
-- status 1's anime_status_stats rows), so the join to genres never reads the list.
select g.genre,
       sum(a.list_entries)::float8 as list_entries,
       sum(coalesce(w.entries, 0))::float8 as watching_now,
       count(*)::int as anime_listed
from anime_stats a
left join anime_status_stats w on w.anime_id = a.anime_id and w.watching_status = 1
join anime_genre g on g.mal_id = a.anime_id
group by g.genre
order by list_entries desc, g.genre
limit $1
