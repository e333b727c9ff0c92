-- Deadline checks judge when a run FINISHED, not when it started: `met` only for a run of the window
-- that finished successfully (or was skipped as unchanged) at or before the deadline, `late` for one
-- that finished after it, `missed` for none, `at_risk` for an early check (deadline minus the
-- expected run time) that found none yet. One row per deadline: a later check of the same deadline
-- (another scheduler, a monitor re-running deadline:check) updates it instead of adding a second,
-- possibly contradictory, row.
-- Breaking change: of several rows for one deadline only the latest is kept, and old `met` rows
-- whose run finished after the deadline become `late`.
alter table etl.deadline_checks add column run_finished_at timestamptz;
alter table etl.deadline_checks drop constraint deadline_checks_status_check;
alter table etl.deadline_checks add constraint deadline_checks_status_check
  check (status in ('met', 'late', 'missed', 'at_risk'));

delete from etl.deadline_checks earlier
using etl.deadline_checks later
where later.deadline_at = earlier.deadline_at and later.check_id > earlier.check_id;
drop index etl.deadline_checks_deadline;
alter table etl.deadline_checks add constraint deadline_checks_one_per_deadline unique (deadline_at);

update etl.deadline_checks c
set run_finished_at = r.finished_at,
    status = case when r.finished_at > c.deadline_at then 'late' else 'met' end
from etl.runs r
where r.run_id = c.run_id and c.status = 'met';

comment on table etl.deadline_checks is 'One row per deadline: did a run of its window finish successfully (or skip as unchanged) by the deadline?';
comment on column etl.deadline_checks.checked_at is 'When the deadline was last checked (a later check of the same deadline updates the row).';
comment on column etl.deadline_checks.window_start is 'Start of the refresh window: the last scheduled trigger strictly before the deadline.';
comment on column etl.deadline_checks.status is 'met (a run of the window finished by the deadline), late (one finished after it), missed (none), at_risk (checked early: none yet, and the expected run time says one must start now).';
comment on column etl.deadline_checks.run_id is 'The run that finished first in the window; when missed or at risk, the latest run of the window, if any.';
comment on column etl.deadline_checks.run_finished_at is 'When that run finished successfully (met or late); null when missed or at risk.';
