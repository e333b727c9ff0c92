-- The anime ids and status codes the published dimensions define and the rebuilt ones (etl_stage)
-- no longer do: the facts that refer to them leave the list.
drop table if exists pg_temp.removed_keys;
create temp table removed_keys on commit drop as
select 'anime'::text as kind, p.mal_id as key
from public.anime_master p
where not exists (select from etl_stage.anime_master s where s.mal_id = p.mal_id)
union all
select 'status', p.status
from public.anime_watching_status p
where not exists (select from etl_stage.anime_watching_status s where s.status = p.status);
-- The fact rows the reconciliation takes off the list (removed or displaced), with the values the
-- aggregates subtract (sql/dimensions/aggregate_change.sql); the admitted rows are added.
drop table if exists pg_temp.reconciled_removed;
create temp table reconciled_removed (
  anime_id integer not null,
  watching_status smallint not null,
  rating smallint not null,
  watched_episodes integer not null
) on commit drop;
