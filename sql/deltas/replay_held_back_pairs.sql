-- The pairs of the held-back lines before the replay's are added (the snapshot's: a full refresh
-- empties the table first), for the client to pick those the deltas touch.
select user_id, anime_id
from etl.held_back_list_rows
