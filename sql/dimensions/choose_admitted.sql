-- The held-back lines the rebuilt dimensions (etl_stage) define, one per pair: the pair's latest
-- source (a delta's final line) or, for the snapshot, its first line now admissible, as a full
-- refresh picks it. A pair whose row on the list outranks it (a later source, or an earlier line of
-- the snapshot) keeps that row.
drop table if exists pg_temp.admitted;
create temp table admitted on commit drop as
select distinct on (h.user_id, h.anime_id) h.*
from etl.held_back_list_rows h
where exists (select from etl_stage.anime_master m where m.mal_id = h.anime_id)
  and exists (select from etl_stage.anime_watching_status s where s.status = h.watching_status)
order by h.user_id, h.anime_id, h.source_id desc, h.source_line;
delete from admitted a
using public.anime_list l
where l.user_id = a.user_id and l.anime_id = a.anime_id
  and (l.source_id > a.source_id or (l.source_id = a.source_id and l.source_line < a.source_line));
analyze admitted;
