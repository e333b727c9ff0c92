-- FREEZE: the table was created in this transaction, so rows can be written frozen; the key build
-- and the checks then do not rewrite every page to set hint bits.
copy anime_list (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
from stdin (format binary, freeze)
