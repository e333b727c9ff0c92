-- The final event of each (user_id, anime_id) pair of one delta (its last valid line): kind 0
-- replaces or adds the pair, 1 removes it, 2 refers to an anime or status the dimensions do not
-- define (the line is quarantined; the pair leaves the list and the line is held back, with its
-- values and held_reason, in etl.held_back_list_rows). Rows arrive sorted by the key; the primary
-- key is added after the COPY (sql/deltas/key_delta_events.sql): one sorted build instead of an
-- index insertion per row took the COPY and the key from 0.38-0.51 s to 0.22-0.29 s for 77,865
-- rows (psql, load average 10).
drop table if exists pg_temp.delta_events;
create temp table delta_events (
  user_id integer not null,
  anime_id integer not null,
  rating smallint,
  watching_status smallint,
  watched_episodes integer,
  source_line integer not null,
  kind smallint not null,
  held_reason text
) on commit drop;
-- The old values of the pairs on the list the delta touches (update_delta_pairs replaces them,
-- remove_delta_pairs takes them off), which the aggregates subtract (update_aggregates); the pairs
-- it holds are those insert_delta_rows must not add again.
drop table if exists pg_temp.delta_removed;
create temp table delta_removed (
  user_id integer not null,
  anime_id integer not null,
  watching_status smallint not null,
  rating smallint not null,
  watched_episodes integer not null
) on commit drop;
