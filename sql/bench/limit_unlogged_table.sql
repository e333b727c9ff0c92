create unlogged table limit_list (
  source_index bigint,
  user_id integer,
  anime_id integer,
  rating integer,
  watching_status integer,
  watched_episodes integer
)
