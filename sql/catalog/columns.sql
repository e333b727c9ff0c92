-- Columns of the ordinary tables in the schemas $1 (text[]): type, nullability, primary-key
-- membership and the COMMENTs on the table and the column, in table and column order.
select n.nspname as schema_name,
       c.relname as table_name,
       obj_description(c.oid, 'pg_class') as table_comment,
       a.attnum::int as position,
       a.attname::text as column_name,
       format_type(a.atttypid, a.atttypmod) as data_type,
       a.attnotnull as not_null,
       col_description(c.oid, a.attnum) as column_comment,
       coalesce(a.attnum = any (pk.conkey), false) as primary_key
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
left join pg_constraint pk on pk.conrelid = c.oid and pk.contype = 'p'
where c.relkind in ('r', 'p') and n.nspname = any ($1::text[])
order by n.nspname, c.relname, a.attnum
