-- The latest export of run $1 to location $2 that left a complete export there.
select export_id::int as export_id
from etl.exports
where run_id = $1 and location = $2 and status in ('succeeded', 'skipped')
order by export_id desc
limit 1
