-- A full refresh's deltas replayed at once: every delta's final events, by source id (its place in
-- key order), collected before any of them touches the staged anime_list. Each delta's events are
-- copied straight in (sql/deltas/copy_replay_events.sql), their source id from the setting
-- etl.replay_source (sql/deltas/replay_source.sql): no keyed delta_events table per delta.
drop table if exists pg_temp.replay_events;
create temp table replay_events (
  source_id integer not null default current_setting('etl.replay_source')::integer,
  user_id integer not null,
  anime_id integer not null,
  rating smallint,
  watching_status smallint,
  watched_episodes integer,
  source_line integer not null,
  kind smallint not null,
  held_reason text
) on commit drop;
