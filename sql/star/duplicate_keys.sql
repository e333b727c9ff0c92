-- Removes every repeat of a (user_id, anime_id) pair but its first row and returns the removed
-- pairs. One COPY into a new table stores rows in file order, so ctid order is line order.
delete from anime_list as repeated
using (
  select ctid, row_number() over (partition by user_id, anime_id order by ctid) as nth
  from anime_list
  where (user_id, anime_id) in (
    select user_id, anime_id from anime_list group by user_id, anime_id having count(*) > 1
  )
) as ranked
where repeated.ctid = ranked.ctid and ranked.nth > 1
returning repeated.user_id, repeated.anime_id
