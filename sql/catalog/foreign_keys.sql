-- Foreign keys of the tables in the schemas $1 (text[]): which columns reference which table's
-- columns, and whether PostgreSQL has validated every existing row against them.
select n.nspname as schema_name,
       c.relname as table_name,
       con.conname::text as constraint_name,
       array(
         select a.attname::text
         from unnest(con.conkey) with ordinality as k(attnum, i)
         join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
         order by k.i
       ) as columns,
       rn.nspname as referenced_schema,
       rc.relname as referenced_table,
       array(
         select a.attname::text
         from unnest(con.confkey) with ordinality as k(attnum, i)
         join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
         order by k.i
       ) as referenced_columns,
       con.convalidated as validated
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_class rc on rc.oid = con.confrelid
join pg_namespace rn on rn.oid = rc.relnamespace
where con.contype = 'f' and n.nspname = any ($1::text[])
order by n.nspname, c.relname, con.conname
