-- Quality checks of run $1, in the order they ran.
select name, status, blocking, observed, expected
from etl.quality_checks
where run_id = $1
order by checked_at, name
