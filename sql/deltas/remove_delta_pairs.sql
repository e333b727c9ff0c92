-- Takes every pair the delta touches off the list and counts what it took, by the pair's final
-- event: replaced (kind 0), removed (1) or displaced by an inadmissible line (2). The old values are
-- what aggregates kept at load must subtract.
with gone as (
  delete from anime_list as l
  using delta_events as e
  where l.user_id = e.user_id and l.anime_id = e.anime_id
  returning e.kind
)
select count(*) filter (where kind = 0)::float8 as updated,
       count(*) filter (where kind = 1)::float8 as removed,
       count(*) filter (where kind = 2)::float8 as displaced
from gone
