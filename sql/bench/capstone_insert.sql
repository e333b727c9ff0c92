insert into capstone_list (user_id, anime_id, rating, watching_status, watched_episodes)
values ($1, $2, $3, $4, $5)
