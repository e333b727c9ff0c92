-- A full refresh rebuilds the held-back rows from the snapshot and every delta, inside its
-- transaction: a failed run rolls this back with everything else. Only runs (under the run lock)
-- read the table.
truncate etl.held_back_list_rows
