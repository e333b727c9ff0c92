-- The as-of date of every source object, as days since 1970-01-01 (a polars Date), null for an
-- undated key: the export gives each row its source's date from this lookup, not from a join.
select source_id, (as_of - date '1970-01-01') as as_of_days
from public.anime_list_source
order by source_id
