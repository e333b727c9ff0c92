-- Each delta's counts, as applying the deltas one after the other gives them: a pair was on the
-- list before a delta when its previous delta's final event set values or, touched for the first
-- time, when the snapshot had it.
select source_id::int as source_id,
       count(*) filter (where kind = 0)::float8 as put,
       count(*) filter (where kind = 0 and existed)::float8 as updated,
       count(*) filter (where kind = 1 and existed)::float8 as removed,
       count(*) filter (where kind = 2 and existed)::float8 as displaced
from (
  select e.source_id, e.kind,
    coalesce(lag(e.kind) over (partition by e.user_id, e.anime_id order by e.source_id) = 0,
             s.user_id is not null) as existed
  from replay_events e
  left join replay_snapshot s on s.user_id = e.user_id and s.anime_id = e.anime_id
) events
group by source_id
order by source_id
