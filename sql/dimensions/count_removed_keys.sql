-- The removed keys, and the fact rows that refer to them as the published aggregates count them
-- (anime_status_stats holds every (anime, status) of anime_list with its entries, exactly: checked
-- against a GROUP BY of the fact table by every full refresh, and kept up by every later run from
-- its own rows). Zero facts: no fact row refers to a removed key, and the list needs no scan.
select (select count(*) from removed_keys where kind = 'anime')::int as anime,
       (select count(*) from removed_keys where kind = 'status')::int as statuses,
       (select coalesce(sum(s.entries), 0)
        from public.anime_status_stats s
        where s.anime_id in (select key from removed_keys where kind = 'anime')
           or s.watching_status in (select key from removed_keys where kind = 'status'))::float8
         as facts
