-- Moves the chosen held-back lines (admitted) to the list, after displace_outranked.sql made room.
with released as (
  delete from etl.held_back_list_rows h
  using admitted a
  where h.user_id = a.user_id and h.anime_id = a.anime_id and h.source_id = a.source_id
    and h.source_line = a.source_line
  returning 1
), inserted as (
  insert into public.anime_list
    (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
  select user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line
  from admitted
  order by user_id, anime_id
  returning 1
)
select (select count(*) from inserted)::float8 as admitted,
       (select count(*) from released)::float8 as released
