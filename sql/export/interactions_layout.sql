-- How the export reads anime_list and cuts it: the blocks of its heap (chunks are block ranges),
-- the planner's row estimate (reltuples; -1 before the first VACUUM or ANALYZE) and the smallest
-- and largest user_id the snapshot sees (two probes of the primary key; null for an empty table).
select (pg_relation_size(c.oid) / current_setting('block_size')::int)::float8 as blocks,
       c.reltuples::float8 as estimated_rows,
       (select min(user_id) from public.anime_list) as first_user,
       (select max(user_id) from public.anime_list) as last_user
from pg_class c
where c.oid = 'public.anime_list'::regclass
