-- The checks of the last $1 deadlines (one row each), latest deadline first.
select check_id::int as check_id,
       checked_at,
       deadline_at,
       window_start,
       status,
       run_id::int as run_id,
       run_finished_at,
       detail
from etl.deadline_checks
order by deadline_at desc
limit $1
