-- Removes every repeat of a (user_id, anime_id) pair but its first row and returns the removed
-- pairs. One COPY into a new table stores rows in file order, so ctid order is line order. The
-- removed rows' values come off the client's counts (pg_temp.list_counts, load/create_list_counts).
with removed as (
  delete from anime_list as repeated
  using (
    select ctid, row_number() over (partition by user_id, anime_id order by ctid) as nth
    from anime_list
    where (user_id, anime_id) in (
      select user_id, anime_id from anime_list group by user_id, anime_id having count(*) > 1
    )
  ) as ranked
  where repeated.ctid = ranked.ctid and ranked.nth > 1
  returning repeated.user_id, repeated.anime_id, repeated.watching_status, repeated.rating,
    repeated.watched_episodes
), uncounted as (
  insert into list_counts
    (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
  select anime_id, watching_status, -count(*), -count(*) filter (where rating > 0), -sum(rating),
         -sum(watched_episodes)
  from removed
  group by anime_id, watching_status
)
select user_id, anime_id from removed
