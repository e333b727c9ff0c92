-- Rows in each published star table (exact counts), fact table first; a table not yet published
-- is left out. anime_list's count is the sum of anime_stats.list_entries, which the quality check
-- aggregates_match_facts holds equal to it, so the dashboard never scans the fact table.
select t.name as table_name,
       (xpath('/row/n/text()',
              query_to_xml(case
                when t.name = 'anime_list' and to_regclass('public.anime_stats') is not null
                  then 'select coalesce(sum(list_entries), 0) as n from public.anime_stats'
                else format('select count(*) as n from public.%I', t.name)
              end, false, true, ''))
       )[1]::text::float8 as row_count
from unnest(array['anime_list', 'anime_master', 'anime_meta', 'anime_score_details',
                  'anime_genre', 'anime_synopsis', 'anime_watching_status'])
     with ordinality as t(name, position)
where to_regclass(format('public.%I', t.name)) is not null
order by t.position
