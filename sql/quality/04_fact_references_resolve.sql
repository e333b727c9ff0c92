-- Every loaded anime_list row references an existing anime and watching status.
-- blocking: true
-- One parallel scan stands in for PostgreSQL's own serial validation of the fact table's keys. Each
-- row looks its anime_id up in a boolean array indexed by id, built once from anime_master, which
-- costs a fraction of a hash join per row. MAL ids are small: an id above the array's cap of 1M is
-- looked up in a hash of anime_master instead, and one past the largest MAL id reads as null. The
-- few status codes compare as an array. Scalar subqueries, not CTEs, so that PostgreSQL computes
-- them once and still scans in parallel.
select unknown_anime || ' rows with an unknown anime_id, ' || unknown_status
         || ' with an unknown watching_status' as observed,
       '0 rows with an unknown anime_id, 0 with an unknown watching_status' as expected,
       unknown_anime = 0 and unknown_status = 0 as passed
from (
  select
    count(*) filter (where not case
      when l.anime_id between 1 and 1000000
        then coalesce((select array_agg(m.mal_id is not null order by id)
                       from generate_series(1, (select least(max(mal_id), 1000000) from anime_master)) id
                       left join anime_master m on m.mal_id = id)[l.anime_id], false)
      else l.anime_id in (select mal_id from anime_master)
    end) as unknown_anime,
    count(*) filter (where l.watching_status <> all (array(select status from anime_watching_status)))
      as unknown_status
  from anime_list l
) counts
