-- The join of the two merge statements against anime_list: an index nested loop on its primary key
-- (never a hash join over a scan of the fact table, which a plain MERGE chose: 7.3 s at 8M rows).
-- ANALYZE gives the planner the delta's size; the join methods that scan are off for the statement.
-- Only the columns later statements join, group or filter on (40 ms for all eight at 77,000 rows,
-- 25 ms for these four, on the bench's machine).
analyze delta_events (user_id, anime_id, watching_status, kind);
set local enable_hashjoin = off;
set local enable_mergejoin = off;
