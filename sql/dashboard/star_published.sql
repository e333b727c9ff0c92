-- Whether the star schema has been published (the analyst views need its tables).
select to_regclass('public.anime_list') is not null
   and to_regclass('public.anime_genre') is not null as published
