-- A delta's final event of a pair is the pair's latest: whatever earlier sources held back of the
-- pair can no longer be admitted (last line wins across deltas, as on the list).
delete from etl.held_back_list_rows as h
using delta_events as e
where h.user_id = e.user_id and h.anime_id = e.anime_id
