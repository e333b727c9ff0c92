-- An incremental run changes the published tables in place, inside its transaction: readers keep
-- the data before it until the commit. Only row locks and ROW EXCLUSIVE on the tables it writes.
set local search_path to public;
