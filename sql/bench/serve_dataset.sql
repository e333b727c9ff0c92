-- The identity of the data set a reader sees, for bench:serve's check that each answer comes from
-- one data set: how many source objects the published list was built from, and the last of them.
select count(*)::int as sources, coalesce(max(source_id), 0)::int as last_source
from anime_list_source
