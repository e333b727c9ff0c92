-- Whether the published data records its sources (runs before daily deltas did not).
select to_regclass('public.anime_list_source') is not null as exists
