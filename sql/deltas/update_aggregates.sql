-- Brings the aggregates (anime_status_stats, anime_stats on the search_path) up to date with one
-- merged delta from its own rows, never the fact table: minus the old values of every pair it took
-- off the list (delta_removed), plus the values it put back (delta_events, kind 0). Each touched
-- key's row is found once, by a join on its key while the change is grouped, which keeps the row's
-- ctid and its entries after the change; the DELETE and UPDATE then reach the row by that ctid (a
-- TID scan, no second lookup by key; the run is the tables' only writer, under its run lock and
-- ROW EXCLUSIVE lock, so no row moves in between). A key left with no entry loses its row, as in a
-- GROUP BY. A change the aggregates cannot take (a key to subtract from that has no row) breaks
-- their checks and fails the run. Against the former exists() probe per key and the key joins of
-- the DELETE and UPDATE: about a fifth less backend CPU (docs/daily_deltas.md, "The aggregates");
-- what remains is mostly the UPDATE itself, non-HOT, with an entry in both indexes per row.
-- This file groups the change into delta_change; sql/star/apply_aggregate_change.sql writes it (a
-- dimension run's reconciliation writes its own change the same way, sql/dimensions/).
drop table if exists pg_temp.delta_change;
create temp table delta_change on commit drop as
select c.*, s.ctid as tid, s.entries + c.entries as new_entries
from (
  select anime_id, watching_status, sum(entries) as entries, sum(rated_entries) as rated_entries,
         sum(rating_sum) as rating_sum, sum(watched_episodes_sum) as watched_episodes_sum
  from (
    select anime_id, watching_status, -1 as entries, -(rating > 0)::int as rated_entries,
           -rating::int as rating_sum, -watched_episodes as watched_episodes_sum
    from delta_removed
    union all
    select anime_id, watching_status, 1, (rating > 0)::int, rating::int, watched_episodes
    from delta_events
    where kind = 0
  ) signed
  group by anime_id, watching_status
  having sum(entries) <> 0 or sum(rated_entries) <> 0 or sum(rating_sum) <> 0
      or sum(watched_episodes_sum) <> 0
) c
left join anime_status_stats s using (anime_id, watching_status);
