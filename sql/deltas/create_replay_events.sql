-- A full refresh's deltas replayed at once: every delta's final events, by source id (its place in
-- key order), collected before any of them touches the staged anime_list.
drop table if exists pg_temp.replay_events;
create temp table replay_events (
  source_id integer not null,
  user_id integer not null,
  anime_id integer not null,
  rating smallint,
  watching_status smallint,
  watched_episodes integer,
  source_line integer not null,
  kind smallint not null,
  held_reason text
) on commit drop;
