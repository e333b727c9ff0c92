-- Keys of the fact table, built once after the bulk load. The primary key fails with 23505 when a
-- (user_id, anime_id) pair repeats; the loader then quarantines the repeats and runs this again.
alter table anime_list add constraint anime_list_pkey primary key (user_id, anime_id);
