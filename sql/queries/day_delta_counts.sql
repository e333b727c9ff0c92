-- The deltas run $1 applied, in key order, with what each did to the list: read = inserted +
-- updated + removed + absent removals + superseded + quarantined, and the list's rows after it.
select source_key,
       rows_read::float8 as rows_read,
       rows_inserted::float8 as inserted,
       rows_updated::float8 as updated,
       rows_removed::float8 as removed,
       absent_removals::float8 as absent_removals,
       rows_superseded::float8 as superseded,
       rows_quarantined::float8 as quarantined,
       list_rows::float8 as list_rows
from etl.run_files
where run_id = $1 and rows_inserted is not null
order by source_key
