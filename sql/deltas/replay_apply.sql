-- Before the primary key exists: appends the pairs whose final event across the deltas sets
-- values, in key order, in binary from the client, which folded every delta's final events into one
-- per pair (lib/run/replay_deltas.ts). The snapshot's rows of every touched pair were never written
-- (the encoder left them out, counting them, lib/load/pair_set.ts), so nothing is deleted: no scan
-- of the table, and the key is built once afterwards over the result. FREEZE as the snapshot's
-- COPY (sql/load/copy_anime_list.sql): the table was created in this transaction.
copy anime_list (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
from stdin (format binary, freeze)
