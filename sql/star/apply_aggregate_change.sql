-- Writes pg_temp.delta_change (the signed change of the facts per (anime, status), each row with
-- the ctid of its aggregate row, or null, and its entries after the change) to the aggregates on
-- the search_path: anime_status_stats by that ctid, then anime_stats from the change summed per
-- anime. A key left with no entry loses its row, as in a GROUP BY; a new key gets one. Written by
-- a merged delta (sql/deltas/update_aggregates.sql) and by a dimension run's reconciliation
-- (sql/dimensions/aggregate_change.sql), neither of which reads the fact table.
drop table if exists pg_temp.delta_anime_change;
create temp table delta_anime_change on commit drop as
select c.*, s.ctid as tid, s.list_entries + c.entries as new_entries
from (
  select anime_id, sum(entries) as entries, sum(rated_entries) as rated_entries,
         sum(rating_sum) as rating_sum, sum(watched_episodes_sum) as watched_episodes_sum
  from delta_change
  group by anime_id
) c
left join anime_stats s using (anime_id);
delete from anime_status_stats s
using delta_change c
where s.ctid = c.tid and c.new_entries = 0;
update anime_status_stats s
set entries = s.entries + c.entries,
    rated_entries = s.rated_entries + c.rated_entries,
    rating_sum = s.rating_sum + c.rating_sum,
    watched_episodes_sum = s.watched_episodes_sum + c.watched_episodes_sum
from delta_change c
where s.ctid = c.tid and c.new_entries <> 0;
insert into anime_status_stats
  (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum
from delta_change
where tid is null;
delete from anime_stats s
using delta_anime_change c
where s.ctid = c.tid and c.new_entries = 0;
update anime_stats s
set list_entries = s.list_entries + c.entries,
    rated_entries = s.rated_entries + c.rated_entries,
    rating_sum = s.rating_sum + c.rating_sum,
    watched_episodes_sum = s.watched_episodes_sum + c.watched_episodes_sum
from delta_anime_change c
where s.ctid = c.tid and c.new_entries <> 0;
insert into anime_stats (anime_id, list_entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, entries, rated_entries, rating_sum, watched_episodes_sum
from delta_anime_change
where tid is null;
