-- Which anime are most users watching right now (status 1), have completed (2), or dropped (4)?
-- The top $2 anime by users of this dataset whose list has them in status $1, with the share of
-- all list entries of that anime the status makes up. Read from the aggregates: the top rows of
-- anime_status_stats for the status, in index order, each with its anime's anime_stats row.
-- The name, the status and the anime's entries are looked up per row by key (subqueries), not
-- joined: joined, the planner put a Memoize node in front of two lookups, whose caches, sized for
-- every anime, were built and freed by every answer: 2.1-2.6 ms of backend CPU an answer, against
-- 0.64 ms looked up (unnamed statements, as through PgBouncer; docs/serving.md). Every
-- status row has its anime's anime_stats row and anime_master row (aggregates_match_facts and the
-- foreign keys), so the rows are those of the join.
select ranked.mal_id,
       (select m.name from anime_master m where m.mal_id = ranked.mal_id) as name,
       (select s.description from anime_watching_status s where s.status = $1) as status,
       ranked.users::int as users,
       ranked.users_listing_it::int as users_listing_it,
       round(100.0 * ranked.users / ranked.users_listing_it, 1)::float8 as percent_of_listings
from (
  select p.anime_id as mal_id, p.entries as users,
         (select a.list_entries from anime_stats a where a.anime_id = p.anime_id) as users_listing_it
  from anime_status_stats p
  where p.watching_status = $1
  order by p.entries desc, p.anime_id
  limit $2
) ranked
order by ranked.users desc, ranked.mal_id
