-- The published tables' totals that an export read back with polars must equal: rows, and the sum
-- of every column of the interactions (a changed, lost or repeated row moves one of them); as_of,
-- a date, is summed as days since 1970-01-01 (polars' Date), its nulls (the snapshot's rows) left out.
select (select count(*) from public.anime_list)::float8 as interactions,
       (select coalesce(sum(user_id::int8), 0) from public.anime_list)::float8 as user_id,
       (select coalesce(sum(anime_id::int8), 0) from public.anime_list)::float8 as anime_id,
       (select coalesce(sum(rating::int8), 0) from public.anime_list)::float8 as rating,
       (select coalesce(sum(watching_status::int8), 0) from public.anime_list)::float8
         as watching_status,
       (select coalesce(sum(watched_episodes::int8), 0) from public.anime_list)::float8
         as watched_episodes,
       (select coalesce(sum(source_id::int8), 0) from public.anime_list)::float8 as source_id,
       (select coalesce(sum(source.as_of - date '1970-01-01'), 0)
          from public.anime_list
          left join public.anime_list_source as source
            on source.source_id = anime_list.source_id)::float8 as as_of,
       (select count(*) from public.anime_master)::float8 as anime
