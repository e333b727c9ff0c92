-- The published tables' totals that an export read back with polars must equal: rows, and the sum
-- of every integer column of the interactions (a changed, lost or repeated row moves one of them).
select (select count(*) from public.anime_list)::float8 as interactions,
       (select coalesce(sum(user_id::int8), 0) from public.anime_list)::float8 as user_id,
       (select coalesce(sum(anime_id::int8), 0) from public.anime_list)::float8 as anime_id,
       (select coalesce(sum(rating::int8), 0) from public.anime_list)::float8 as rating,
       (select coalesce(sum(watching_status::int8), 0) from public.anime_list)::float8
         as watching_status,
       (select coalesce(sum(watched_episodes::int8), 0) from public.anime_list)::float8
         as watched_episodes,
       (select count(*) from public.anime_master)::float8 as anime
