-- The dimension keys an incremental run checks a delta's references against.
select (select coalesce(array_agg(mal_id), '{}') from public.anime_master) as anime_ids,
       (select coalesce(array_agg(status), '{}') from public.anime_watching_status) as statuses
