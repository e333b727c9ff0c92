-- The source id ($1) the next delta's events in replay_events get, until the transaction ends.
select set_config('etl.replay_source', $1::text, true)
