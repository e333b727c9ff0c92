-- Whether a run has published the star schema into public, and whether the etl schema exists.
select to_regclass('public.anime_list') is not null as published,
       to_regclass('etl.runs') is not null as migrated
