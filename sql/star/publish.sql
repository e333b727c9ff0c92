-- Swaps the staged tables into public in one transaction: readers see the old tables until commit,
-- then the new ones. Foreign keys move with their tables. Runs right after star/lock_published,
-- which took every lock this needs in one short attempt (lib/publish/publish_locks.ts).
drop table if exists
  public.genre_stats, public.anime_stats, public.anime_status_stats, public.anime_list, public.anime_list_source,
  public.anime_genre, public.anime_synopsis, public.anime_score_details, public.anime_meta, public.anime_master, public.anime_watching_status
  cascade;
alter table etl_stage.anime_watching_status set schema public;
alter table etl_stage.anime_master set schema public;
alter table etl_stage.anime_meta set schema public;
alter table etl_stage.anime_score_details set schema public;
alter table etl_stage.anime_genre set schema public;
alter table etl_stage.anime_synopsis set schema public;
alter table etl_stage.anime_list set schema public;
alter table etl_stage.anime_list_source set schema public;
alter table etl_stage.anime_stats set schema public;
alter table etl_stage.anime_status_stats set schema public;
alter table etl_stage.genre_stats set schema public;
drop schema etl_stage;
set local search_path to public;
