-- The capstone's way, for comparison: the published fact table's shape with its keys in place
-- before loading, filled by one INSERT round trip per row.
drop table if exists capstone_list;
create table capstone_list (
  user_id integer not null,
  anime_id integer not null references anime_master,
  rating smallint not null check (rating between 0 and 10),
  watching_status smallint references anime_watching_status,
  watched_episodes integer not null check (watched_episodes >= 0),
  primary key (user_id, anime_id)
);
