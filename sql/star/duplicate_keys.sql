-- Removes every repeat of a (user_id, anime_id) pair but its first row and returns the removed
-- pairs. One COPY into a new table stores rows in file order, so ctid order is line order. The
-- removed rows' values come off the client's counts (pg_temp.list_counts, load/create_list_counts),
-- in the row of their (anime, status): the COPY wrote every removed row, so the tally counted it
-- and that row exists, and list_counts stays one row per key.
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
  update list_counts c
  set entries = c.entries - r.entries, rated_entries = c.rated_entries - r.rated_entries,
      rating_sum = c.rating_sum - r.rating_sum,
      watched_episodes_sum = c.watched_episodes_sum - r.watched_episodes_sum
  from (
    select anime_id, watching_status, count(*) as entries,
           count(*) filter (where rating > 0) as rated_entries, sum(rating) as rating_sum,
           sum(watched_episodes) as watched_episodes_sum
    from removed
    group by anime_id, watching_status
  ) r
  where c.anime_id = r.anime_id and c.watching_status = r.watching_status
)
select user_id, anime_id from removed
