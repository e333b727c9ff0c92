-- Which genres are most popular? List entries (an anime of the genre on a user's list, in any
-- status) per genre, top $1, with how many of them are being watched now (status 1) and how many
-- anime of the genre are listed. Entries are counted per anime first, so the join to genres handles
-- one row per anime instead of one per list entry.
with per_anime as (
  select anime_id,
         count(*) as entries,
         count(*) filter (where watching_status = 1) as watching
  from anime_list
  group by anime_id
)
select g.genre,
       sum(p.entries)::float8 as list_entries,
       sum(p.watching)::float8 as watching_now,
       count(*)::int as anime_listed
from per_anime p
join anime_genre g on g.mal_id = p.anime_id
group by g.genre
order by list_entries desc, g.genre
limit $1
