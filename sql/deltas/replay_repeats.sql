-- Touched pairs the snapshot held more than once: their repeats are quarantined as the key build
-- quarantines any other pair's (the first line wins).
select user_id, anime_id, (rows - 1)::int as repeats from replay_snapshot where rows > 1
