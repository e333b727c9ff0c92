-- Deletes the anime and status codes the rebuilt dimensions no longer define, once no fact row
-- refers to them (remove_facts.sql) and their aggregate rows have left with their last entry
-- (sql/star/apply_aggregate_change.sql). When the role may set session_replication_role, this runs
-- with the per-row triggers off and check_removed_keys.sql checks the references instead: each
-- deleted key's own foreign-key check would scan anime_list once (it has no index on the referring
-- columns), the cost of a removed anime or status.
delete from public.anime_master m using removed_keys r where r.kind = 'anime' and m.mal_id = r.key;
delete from public.anime_watching_status w
using removed_keys r
where r.kind = 'status' and w.status = r.key;
