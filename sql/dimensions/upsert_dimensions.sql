-- Brings the published dimensions to the rebuilt ones in place, inside the run's transaction:
-- readers see the old rows until the commit and never wait (row locks and ROW EXCLUSIVE only), and
-- anime_list, which refers to anime_master and anime_watching_status, is not touched. Keys that
-- disappeared stay until their facts have left the list (delete_removed_keys.sql). An update that
-- keeps the key needs no foreign-key check on anime_list.
insert into public.anime_watching_status select * from etl_stage.anime_watching_status
on conflict (status) do update set description = excluded.description
where anime_watching_status.description is distinct from excluded.description;
insert into public.anime_master select * from etl_stage.anime_master
on conflict (mal_id) do update
  set name = excluded.name, score = excluded.score, genres = excluded.genres
where (anime_master.name, anime_master.score, anime_master.genres)
  is distinct from (excluded.name, excluded.score, excluded.genres);
-- The dimensions nothing refers to are small (one row per anime): replaced whole.
delete from public.anime_meta;
insert into public.anime_meta select * from etl_stage.anime_meta;
delete from public.anime_score_details;
insert into public.anime_score_details select * from etl_stage.anime_score_details;
delete from public.anime_genre;
insert into public.anime_genre select * from etl_stage.anime_genre;
delete from public.anime_synopsis;
insert into public.anime_synopsis select * from etl_stage.anime_synopsis;
