-- Builds the aggregates of anime_list (on the search_path) from the fact table as it is now, in one
-- parallel scan: per anime and status first, then per anime from those rows (a few per anime).
-- Emptied first, so a run that changed the facts some other way can rebuild them.
truncate anime_stats, anime_status_stats;
insert into anime_status_stats
  (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, watching_status, count(*), count(*) filter (where rating > 0), sum(rating),
       sum(watched_episodes)
from anime_list
group by anime_id, watching_status
order by anime_id, watching_status;
insert into anime_stats (anime_id, list_entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, sum(entries), sum(rated_entries), sum(rating_sum), sum(watched_episodes_sum)
from anime_status_stats
group by anime_id
order by anime_id;
