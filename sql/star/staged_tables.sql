-- The published tables a swap replaces: public's table of each staged one, by name.
select format('public.%I', tablename) as name
from pg_tables
where schemaname = 'etl_stage'
order by tablename
