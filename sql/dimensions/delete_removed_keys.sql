-- Deletes the anime and status codes the rebuilt dimensions no longer define, once no fact row
-- refers to them (remove_facts.sql). Each deleted key's foreign-key check scans anime_list once
-- (it has no index on the referring columns): the cost of a removed anime or status.
-- The aggregates refer to the keys too; they are rebuilt from the reconciled list afterwards.
delete from public.anime_status_stats s
using removed_keys r
where (r.kind = 'anime' and s.anime_id = r.key) or (r.kind = 'status' and s.watching_status = r.key);
delete from public.anime_stats s using removed_keys r where r.kind = 'anime' and s.anime_id = r.key;
delete from public.anime_master m using removed_keys r where r.kind = 'anime' and m.mal_id = r.key;
delete from public.anime_watching_status w
using removed_keys r
where r.kind = 'status' and w.status = r.key;
