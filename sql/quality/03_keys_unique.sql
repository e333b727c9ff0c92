-- Every star table has its primary key, so its keys are unique (PostgreSQL enforces it).
-- blocking: true
with expected(table_name) as (
  values ('anime_watching_status'), ('anime_master'), ('anime_meta'), ('anime_score_details'),
         ('anime_genre'), ('anime_synopsis'), ('anime_list'), ('anime_stats'), ('anime_status_stats'),
         ('genre_stats')
), found as (
  select e.table_name, c.conname is not null as has_key
  from expected e
  left join pg_constraint c
    on c.contype = 'p' and c.conrelid = to_regclass(quote_ident(e.table_name))
)
select count(*) filter (where has_key) || ' of 10 tables' ||
         coalesce(' (missing: ' || string_agg(table_name, ', ') filter (where not has_key) || ')', '') as observed,
       '10 of 10 tables' as expected,
       bool_and(has_key) as passed
from found
