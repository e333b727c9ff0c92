-- The join of the two merge statements against anime_list: an index nested loop on its primary key
-- (never a hash join over a scan of the fact table, which a plain MERGE chose: 7.3 s at 8M rows).
-- ANALYZE gives the planner the delta's size; the join methods that scan are off for the statement.
-- Only the columns later statements join, group or filter on (40 ms for all eight at 77,000 rows,
-- 25 ms for these four, on the bench's machine).
-- Memoize is off too: every key of delta_events is distinct, so a cache in front of each probe never
-- hits (0 hits, 77,865 misses at 8M rows) and only adds a hash insert per probe, about a tenth of
-- the DELETE's CPU time (docs/daily_deltas.md, "The merge").
analyze delta_events (user_id, anime_id, watching_status, kind);
set local enable_hashjoin = off;
set local enable_mergejoin = off;
set local enable_memoize = off;
