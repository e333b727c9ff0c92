-- Which anime are most users watching right now (status 1), have completed (2), or dropped (4)?
-- The top $2 anime by users of this dataset whose list has them in status $1, with the share of
-- all list entries of that anime the status makes up. Read from the aggregates: the top rows of
-- anime_status_stats for the status, in index order, each with its anime's anime_stats row.
select p.anime_id as mal_id,
       m.name,
       s.description as status,
       p.entries::int as users,
       a.list_entries::int as users_listing_it,
       round(100.0 * p.entries / a.list_entries, 1)::float8 as percent_of_listings
from anime_status_stats p
join anime_stats a using (anime_id)
join anime_master m on m.mal_id = p.anime_id
join anime_watching_status s on s.status = $1
where p.watching_status = $1
order by p.entries desc, p.anime_id
limit $2
