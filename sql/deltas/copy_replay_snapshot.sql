-- The touched pairs the snapshot had on the list, with its rows of each (repeats included), as
-- the snapshot's encoder counted them while leaving them out of anime_list.
copy replay_snapshot (user_id, anime_id, rows) from stdin
