alter table limit_list add primary key (user_id, anime_id)
