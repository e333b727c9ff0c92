-- The objects the published list was built from, in application order (call only when
-- public.anime_list_source exists: see ledger_exists).
select source_id, object_key, etag from public.anime_list_source order by source_id
