-- What the scheduler's catch-up decision needs: when the last run that ran to an end started, and
-- whether any run was ever recorded. A run of a process that died (marked ABANDONED) and a run
-- still marked running do not count as having run.
select max(started_at) filter (
         where status in ('succeeded', 'skipped')
            or (status = 'failed' and coalesce(error, '') not like 'ABANDONED:%')
       ) as last_started_at,
       count(*)::int as runs
from etl.runs
