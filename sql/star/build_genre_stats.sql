-- Rebuilds genre_stats (on the search_path) from anime_stats, anime_status_stats and anime_genre:
-- a join of one row per anime and genre (about 46,000 at 8M list rows, tens of milliseconds), so a
-- full refresh and every delta redo it whole instead of adjusting it. DELETE, not TRUNCATE: an
-- incremental run writes the published table, and TRUNCATE's ACCESS EXCLUSIVE lock would make
-- readers wait.
delete from genre_stats;
insert into genre_stats
  (genre, anime_listed, list_entries, watching_entries, anime_rated, rated_entries, rating_sum)
select g.genre, count(*), sum(a.list_entries), sum(coalesce(w.entries, 0)),
       count(*) filter (where a.rated_entries > 0), sum(a.rated_entries), sum(a.rating_sum)
from anime_stats a
join anime_genre g on g.mal_id = a.anime_id
left join anime_status_stats w on w.anime_id = a.anime_id and w.watching_status = 1
group by g.genre
order by g.genre;
