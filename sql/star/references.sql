-- Foreign keys of the star schema, added once after every table is loaded. Rows with unknown ids
-- or codes were quarantined while streaming, so validation only confirms them, set-based.
alter table anime_meta add constraint anime_meta_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_score_details
  add constraint anime_score_details_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_genre add constraint anime_genre_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_synopsis add constraint anime_synopsis_mal_id_fkey foreign key (mal_id) references anime_master;
alter table anime_list
  add constraint anime_list_anime_id_fkey foreign key (anime_id) references anime_master,
  add constraint anime_list_watching_status_fkey
    foreign key (watching_status) references anime_watching_status;
