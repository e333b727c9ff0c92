-- Whether the published data records its sources (runs before daily deltas did not), and whether
-- it has the aggregates an incremental run updates (runs before them did not).
select to_regclass('public.anime_list_source') is not null as exists,
       to_regclass('public.anime_stats') is not null
         and to_regclass('public.anime_status_stats') is not null as aggregates
