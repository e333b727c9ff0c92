-- Before the primary key exists: takes every touched pair off the staged anime_list in one hash
-- join (a single scan of the table), keeping what the snapshot had of each, then appends the pairs
-- whose final event sets values. The key is built once afterwards over the result.
-- The planner, which knows nothing of the unkeyed table's pairs, estimated a few thousand matches
-- and chose a merge join that sorted all 8M rows on disk (16.7 s at 8M rows, 800,000 events, in
-- EXPLAIN ANALYZE on a temporary copy; 8.3 s as a hash join); the hash of the events, probed by one
-- scan, is the plan meant here.
set local work_mem = '128MB';
set local enable_mergejoin = off;
set local enable_nestloop = off;
with gone as (
  delete from anime_list as l
  using replay_finals as f
  where l.user_id = f.user_id and l.anime_id = f.anime_id
  returning l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes
), uncounted as (
  insert into list_counts
    (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
  select anime_id, watching_status, -count(*), -count(*) filter (where rating > 0), -sum(rating),
         -sum(watched_episodes)
  from gone
  group by anime_id, watching_status
)
insert into replay_snapshot
select user_id, anime_id, count(*) from gone group by user_id, anime_id;
reset work_mem;
reset enable_mergejoin;
reset enable_nestloop;
insert into anime_list
  (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
select user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line
from replay_finals
where kind = 0
order by user_id, anime_id;
insert into list_counts
  (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, watching_status, count(*), count(*) filter (where rating > 0), sum(rating),
       sum(watched_episodes)
from replay_finals
where kind = 0
group by anime_id, watching_status;
