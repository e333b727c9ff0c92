-- Before the primary key exists: appends the pairs whose final event across the deltas sets
-- values. The snapshot's rows of every touched pair were never written (the encoder left them out,
-- counting them, lib/load/pair_set.ts), so nothing is deleted: no scan of the table, and the key is
-- built once afterwards over the result. The aggregates' counts (pg_temp.list_counts,
-- sql/load/create_list_counts.sql) gain the appended rows.
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
