-- The first $2 quarantined rows of run $1 for each source object and reason: where they are in
-- the file (line 1 is the header), why they were rejected, and the start of the raw record.
select source_key, line_number::int as line_number, reason, detail, raw
from (
  select source_key, line_number, reason, detail, left(raw, 100) as raw,
         row_number() over (partition by source_key, reason order by line_number) as nth
  from etl.rejects
  where run_id = $1
) ranked
where nth <= $2
order by source_key, reason, line_number
