-- The last $1 deadline checks, newest first.
select check_id::int as check_id,
       checked_at,
       deadline_at,
       window_start,
       status,
       run_id::int as run_id,
       detail
from etl.deadline_checks
order by check_id desc
limit $1
