-- Rows in each published star table (exact counts), fact table first; a table not yet published
-- is left out.
select t.name as table_name,
       (xpath('/row/n/text()',
              query_to_xml(format('select count(*) as n from public.%I', t.name), false, true, ''))
       )[1]::text::float8 as row_count
from unnest(array['anime_list', 'anime_master', 'anime_meta', 'anime_score_details',
                  'anime_genre', 'anime_synopsis', 'anime_watching_status'])
     with ordinality as t(name, position)
where to_regclass(format('public.%I', t.name)) is not null
order by t.position
