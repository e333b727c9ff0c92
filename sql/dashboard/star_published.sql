-- Whether the star schema has been published (the analyst views need its tables, the aggregates
-- included: data published before them shows none until the next run, a full refresh, builds them).
select to_regclass('public.anime_list') is not null
   and to_regclass('public.anime_genre') is not null
   and to_regclass('public.anime_stats') is not null
   and to_regclass('public.anime_status_stats') is not null as published
