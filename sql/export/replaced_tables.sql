-- Published tables that a publish has replaced since the export's snapshot: pg_class read through
-- the snapshot names the table the snapshot saw, to_regclass the one the name leads to now. A
-- replaced table's rows are invisible to the snapshot, so reading it would export nothing.
select t.name
from unnest(array['anime_list', 'anime_master', 'anime_meta', 'anime_score_details',
                  'anime_genre', 'anime_synopsis']) as t(name)
left join pg_class c on c.relnamespace = 'public'::regnamespace and c.relname = t.name
where c.oid is distinct from to_regclass('public.' || t.name)::oid
order by t.name
