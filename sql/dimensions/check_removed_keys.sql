-- The foreign keys' checks of the keys delete_removed_keys.sql deleted with the per-row triggers
-- off, set-based: the tables that still refer to a removed anime or status (none, or the run fails).
-- Each small table is probed through the index on its referring column. anime_list is not read:
-- remove_facts.sql took every row of a removed key off it in this transaction, or the aggregates
-- counted none (count_removed_keys.sql); the rows admitted since are defined by the rebuilt
-- dimensions (choose_admitted.sql); and the run, under its run lock, is the list's only writer.
with anime as (select key from removed_keys where kind = 'anime'),
status as (select key from removed_keys where kind = 'status')
select array_remove(array[
  case when exists (select from public.anime_meta t join anime a on t.mal_id = a.key)
    then 'anime_meta' end,
  case when exists (select from public.anime_score_details t join anime a on t.mal_id = a.key)
    then 'anime_score_details' end,
  case when exists (select from public.anime_genre t join anime a on t.mal_id = a.key)
    then 'anime_genre' end,
  case when exists (select from public.anime_synopsis t join anime a on t.mal_id = a.key)
    then 'anime_synopsis' end,
  case when exists (select from public.anime_stats t join anime a on t.anime_id = a.key)
    then 'anime_stats' end,
  case when exists (select from public.anime_status_stats t join anime a on t.anime_id = a.key)
      or exists (select from public.anime_status_stats t join status s on t.watching_status = s.key)
    then 'anime_status_stats' end
], null) as tables
