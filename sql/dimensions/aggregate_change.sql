-- The reconciliation's change of the aggregates, from its own rows, never the fact table: minus the
-- rows it took off the list (reconciled_removed: removed for a key no longer defined, or displaced
-- by an earlier snapshot line), plus the held-back rows it admitted (admitted). Grouped per (anime,
-- status) into delta_change, with the ctid of the key's aggregate row, exactly as a merged delta's
-- (sql/deltas/update_aggregates.sql); sql/star/apply_aggregate_change.sql writes it.
drop table if exists pg_temp.delta_change;
create temp table delta_change on commit drop as
select c.*, s.ctid as tid, s.entries + c.entries as new_entries
from (
  select anime_id, watching_status, sum(entries) as entries, sum(rated_entries) as rated_entries,
         sum(rating_sum) as rating_sum, sum(watched_episodes_sum) as watched_episodes_sum
  from (
    select anime_id, watching_status, -1 as entries, -(rating > 0)::int as rated_entries,
           -rating::int as rating_sum, -watched_episodes as watched_episodes_sum
    from reconciled_removed
    union all
    select anime_id, watching_status, 1, (rating > 0)::int, rating::int, watched_episodes
    from admitted
  ) signed
  group by anime_id, watching_status
  having sum(entries) <> 0 or sum(rated_entries) <> 0 or sum(rating_sum) <> 0
      or sum(watched_episodes_sum) <> 0
) c
left join public.anime_status_stats s using (anime_id, watching_status);
