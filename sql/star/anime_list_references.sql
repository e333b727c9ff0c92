-- References of the fact table. Rows with unknown codes or ids were quarantined while streaming,
-- so validation only confirms them; it runs once, set-based, after the load.
alter table anime_list
  add constraint anime_list_anime_id_fkey foreign key (anime_id) references anime_master,
  add constraint anime_list_watching_status_fkey foreign key (watching_status) references anime_watching_status;
alter table anime_list drop column source_line;
