-- Every loaded anime_list row references an existing anime and watching status.
-- blocking: true
-- reads: fact_groups
-- PostgreSQL's own validation of the fact table's keys (created NOT VALID) would be a serial scan
-- of its own. Here the rows come counted per (anime, status) from the checks' one parallel scan of
-- anime_list (sql/quality_scan/fact_groups.sql): each row is in exactly one group, so the rows of
-- the groups whose anime or status is undefined are exactly the rows with a broken reference, and
-- the lookups cost a join of a few thousand groups.
select unknown_anime || ' rows with an unknown anime_id, ' || unknown_status
         || ' with an unknown watching_status' as observed,
       '0 rows with an unknown anime_id, 0 with an unknown watching_status' as expected,
       unknown_anime = 0 and unknown_status = 0 as passed
from (
  select coalesce(sum(g.entries) filter (where m.mal_id is null), 0) as unknown_anime,
         coalesce(sum(g.entries) filter (where s.status is null), 0) as unknown_status
  from fact_groups g
  left join anime_master m on m.mal_id = g.anime_id
  left join anime_watching_status s on s.status = g.watching_status
) counts
