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
-- The dimensions nothing refers to (one or a few rows per anime) are brought to the staged ones
-- row for row, by difference: a row that is not exactly in the staged table leaves, a staged row
-- that is not exactly in the published one arrives (a changed row does both). Replacing them whole
-- wrote every row and ran the foreign-key trigger of each (97,000 rows at 8M list rows: 1.9 s of
-- the backend's CPU); now an unchanged anime costs a comparison.
delete from public.anime_meta p
where not exists (
  select from etl_stage.anime_meta s where s.mal_id = p.mal_id and row(s.*) is not distinct from row(p.*)
);
insert into public.anime_meta
select * from etl_stage.anime_meta s
where not exists (
  select from public.anime_meta p where s.mal_id = p.mal_id and row(p.*) is not distinct from row(s.*)
);
delete from public.anime_score_details p
where not exists (
  select from etl_stage.anime_score_details s where s.mal_id = p.mal_id and row(s.*) is not distinct from row(p.*)
);
insert into public.anime_score_details
select * from etl_stage.anime_score_details s
where not exists (
  select from public.anime_score_details p where s.mal_id = p.mal_id and row(p.*) is not distinct from row(s.*)
);
delete from public.anime_genre p
where not exists (
  select from etl_stage.anime_genre s where s.mal_id = p.mal_id and s.genre = p.genre and row(s.*) is not distinct from row(p.*)
);
insert into public.anime_genre
select * from etl_stage.anime_genre s
where not exists (
  select from public.anime_genre p where s.mal_id = p.mal_id and s.genre = p.genre and row(p.*) is not distinct from row(s.*)
);
delete from public.anime_synopsis p
where not exists (
  select from etl_stage.anime_synopsis s where s.mal_id = p.mal_id and row(s.*) is not distinct from row(p.*)
);
insert into public.anime_synopsis
select * from etl_stage.anime_synopsis s
where not exists (
  select from public.anime_synopsis p where s.mal_id = p.mal_id and row(p.*) is not distinct from row(s.*)
);
