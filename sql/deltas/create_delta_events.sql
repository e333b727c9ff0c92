-- The final event of each (user_id, anime_id) pair of one delta (its last valid line): kind 0
-- replaces or adds the pair, 1 removes it, 2 refers to an anime or status the dimensions do not
-- define (the line is quarantined; the pair leaves the list and the line is held back, with its
-- values and held_reason, in etl.held_back_list_rows). Rows arrive sorted by the key.
drop table if exists pg_temp.delta_events;
create temp table delta_events (
  user_id integer not null,
  anime_id integer not null,
  rating smallint,
  watching_status smallint,
  watched_episodes integer,
  source_line integer not null,
  kind smallint not null,
  held_reason text,
  primary key (user_id, anime_id)
) on commit drop;
-- The old values of the pairs the delta takes off the list (remove_delta_pairs), which the
-- aggregates subtract (update_aggregates).
drop table if exists pg_temp.delta_removed;
create temp table delta_removed (
  anime_id integer not null,
  watching_status smallint not null,
  rating smallint not null,
  watched_episodes integer not null
) on commit drop;
