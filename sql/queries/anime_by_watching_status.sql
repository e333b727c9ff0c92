-- Which anime are most users watching right now (status 1), have completed (2), or dropped (4)?
-- The top $2 anime by users of this dataset whose list has them in status $1, with the share of
-- all list entries of that anime the status makes up.
with per_anime as (
  select anime_id,
         count(*) filter (where watching_status = $1) as in_status,
         count(*) as on_lists
  from anime_list
  group by anime_id
)
select p.anime_id as mal_id,
       m.name,
       s.description as status,
       p.in_status::int as users,
       p.on_lists::int as users_listing_it,
       round(100.0 * p.in_status / p.on_lists, 1)::float8 as percent_of_listings
from per_anime p
join anime_master m on m.mal_id = p.anime_id
join anime_watching_status s on s.status = $1
where p.in_status > 0
order by p.in_status desc, p.anime_id
limit $2
