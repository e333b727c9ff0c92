-- Every star table (all eight) holds rows (row counts are compared in counts_reconcile).
-- blocking: true
with tables(name, has_rows) as (
  values
    ('anime_watching_status', exists (select from anime_watching_status)),
    ('anime_master', exists (select from anime_master)),
    ('anime_meta', exists (select from anime_meta)),
    ('anime_score_details', exists (select from anime_score_details)),
    ('anime_genre', exists (select from anime_genre)),
    ('anime_synopsis', exists (select from anime_synopsis)),
    ('anime_list', exists (select from anime_list)),
    ('anime_list_source', exists (select from anime_list_source))
)
select count(*) filter (where has_rows) || ' of 8 tables have rows'
         || coalesce(' (empty: ' || string_agg(name, ', ') filter (where not has_rows) || ')', '') as observed,
       '8 of 8 tables have rows' as expected,
       bool_and(has_rows) as passed
from tables
