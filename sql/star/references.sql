-- Foreign keys of the star schema, added once after every table is loaded. Rows with unknown ids
-- or codes were quarantined while streaming, so nothing here can fail.
alter table anime_meta add constraint anime_meta_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_score_details
  add constraint anime_score_details_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_genre add constraint anime_genre_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_synopsis add constraint anime_synopsis_mal_id_fkey foreign key (mal_id) references anime_master;
-- The fact table's keys are NOT VALID: PostgreSQL enforces them for every later write, but does not
-- re-check the loaded rows itself. Its check would scan the fact table once per key, serially (5 s
-- of a 30 s load at 8M rows); every row was checked against the loaded dimensions while streaming,
-- and the blocking quality check fact_references_resolve verifies both keys again in one parallel scan.
alter table anime_list
  add constraint anime_list_anime_id_fkey foreign key (anime_id) references anime_master not valid,
  add constraint anime_list_watching_status_fkey
    foreign key (watching_status) references anime_watching_status not valid,
  add constraint anime_list_source_id_fkey foreign key (source_id) references anime_list_source not valid;
-- The aggregates' keys: small tables, checked in full.
alter table anime_stats add constraint anime_stats_anime_id_fkey foreign key (anime_id) references anime_master;
alter table anime_status_stats
  add constraint anime_status_stats_anime_id_fkey foreign key (anime_id) references anime_master,
  add constraint anime_status_stats_watching_status_fkey
    foreign key (watching_status) references anime_watching_status;
