-- Exact row count and on-disk size (table, indexes and TOAST, in bytes) of every ordinary table in
-- the schemas $1 (text[]). Counting scans each table: fine for reports, not for a hot path.
select n.nspname as schema_name,
       c.relname as table_name,
       (xpath('/row/n/text()',
              query_to_xml(format('select count(*) as n from %I.%I', n.nspname, c.relname),
                           false, true, '')))[1]::text::float8 as row_count,
       pg_total_relation_size(c.oid)::float8 as total_bytes
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname = any ($1::text[])
order by n.nspname, c.relname
