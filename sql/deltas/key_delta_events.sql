-- The key of a delta's final events, built once they are copied (sql/deltas/create_delta_events.sql):
-- the merge's INSERT reads them in key order by it, and it refuses a second event of one pair, which
-- the client's last-line-wins must never produce.
alter table delta_events add primary key (user_id, anime_id)
