-- The physical limit's table: the animelist file's columns as plain integers, no keys (the
-- "modified" file's first column is pandas' index).
create table limit_list (
  source_index bigint,
  user_id integer,
  anime_id integer,
  rating integer,
  watching_status integer,
  watched_episodes integer
)
