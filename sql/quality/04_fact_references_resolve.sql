-- Every loaded anime_list row references an existing anime and watching status. Two scans that
-- PostgreSQL runs in parallel stand in for its own serial validation of the fact table's keys.
-- blocking: true
with counts as materialized ( -- materialized: each scan runs once, not once per use below
  select
    (select count(*) from anime_list l
      where not exists (select from anime_master m where m.mal_id = l.anime_id)) as unknown_anime,
    -- The few status codes compare as an array, cheaper than a join per row.
    (select count(*) from anime_list l
      where l.watching_status <> all (array(select status from anime_watching_status)))
      as unknown_status
)
select unknown_anime || ' rows with an unknown anime_id, ' || unknown_status
         || ' with an unknown watching_status' as observed,
       '0 rows with an unknown anime_id, 0 with an unknown watching_status' as expected,
       unknown_anime = 0 and unknown_status = 0 as passed
from counts
