-- Every star table holds rows.
-- blocking: true
with counts as (
  select 'anime_watching_status' as name, count(*) as n from anime_watching_status
  union all select 'anime_master', count(*) from anime_master
  union all select 'anime_meta', count(*) from anime_meta
  union all select 'anime_score_details', count(*) from anime_score_details
  union all select 'anime_genre', count(*) from anime_genre
  union all select 'anime_synopsis', count(*) from anime_synopsis
  union all select 'anime_list', count(*) from anime_list
)
select string_agg(name || '=' || n, ', ' order by name) as observed,
       'every table > 0 rows' as expected,
       bool_and(n > 0) as passed
from counts
