-- Every reference of the star schema is a foreign key: validated by PostgreSQL for the dimensions;
-- for the fact table enforced on every later write but created NOT VALID (sql/star/references.sql),
-- its loaded rows being verified by fact_references_resolve.
-- blocking: true
with expected(table_name, column_name) as (
  values ('anime_meta', 'mal_id'), ('anime_score_details', 'mal_id'), ('anime_genre', 'mal_id'),
         ('anime_synopsis', 'mal_id'), ('anime_list', 'anime_id'), ('anime_list', 'watching_status'),
         ('anime_stats', 'anime_id'), ('anime_status_stats', 'anime_id'),
         ('anime_status_stats', 'watching_status')
), found as (
  select e.table_name || '.' || e.column_name as ref,
    exists (
      select 1 from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.contype = 'f' and (c.convalidated or e.table_name = 'anime_list')
        and c.conrelid = to_regclass(quote_ident(e.table_name)) and a.attname = e.column_name
    ) as valid
  from expected e
)
select count(*) filter (where valid) || ' of 9 foreign keys in place' ||
         coalesce(' (missing: ' || string_agg(ref, ', ') filter (where not valid) || ')', '') as observed,
       '9 of 9 foreign keys in place' as expected,
       bool_and(valid) as passed
from found
