// Owns the rule that a schedule can be on time: some trigger falls before each deadline.
/**
 * @example The old defaults (trigger at the deadline) cannot be on time; an hour earlier can
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkScheduleFit } from "./check_schedule_fit.ts";
 * import { createCronSchedule } from "./cron_schedule.ts";
 * import { deadlineSchedule } from "./deadline_schedule.ts";
 * const now = new Date("2026-05-02T12:00:00Z");
 * const deadline = deadlineSchedule("07:00", "UTC");
 * const late = checkScheduleFit(now, { cron: createCronSchedule("0 7 * * *", "UTC"), deadline });
 * assert.equal(late.problem?.deadlineAt.toISOString(), "2026-05-03T07:00:00.000Z");
 * const early = checkScheduleFit(now, { cron: createCronSchedule("0 6 * * *", "UTC"), deadline });
 * assert.deepEqual(early, {});
 * ```
 */
import type { CronSchedule } from "./cron_schedule.ts";

/** Options of {@link checkScheduleFit}. */
export interface ScheduleFitOptions {
  cron: CronSchedule;
  deadline: CronSchedule;
  /** Deadlines looked at after `now`; default 14 (two weeks, so weekly crons are covered). */
  deadlines?: number;
}

/** What is wrong with a schedule, if anything. */
export interface ScheduleFit {
  /** A deadline whose only trigger falls at the deadline itself: no run can finish by it. */
  problem?: { deadlineAt: Date };
  /** A deadline whose window opens more than 12 hours before it (the data can be that old). */
  wide?: { deadlineAt: Date; windowStart: Date };
}

const WIDE_MS = 12 * 3_600_000;

/**
 * Checks the next deadlines against the cron. A deadline's window opens at the last trigger
 * strictly before it (see `deadlineWindow`). The schedule cannot be on time when a trigger falls
 * exactly at a deadline and no other trigger falls between the previous deadline and this one
 * (`0 7 * * *` with `07:00`): the run it starts is late every time. A trigger at the deadline is
 * fine when an earlier one serves it (`*\/10 * * * *`). A window wider than 12 hours (a weekly cron,
 * or `30 6 * * *` with `06:00`) can be on time, so it is only reported as `wide`.
 *
 * @param now Deadlines after this instant are checked.
 * @param options The two schedules.
 * @returns `problem` and `wide` (the first of each found), or neither.
 */
export function checkScheduleFit(now: Date, options: ScheduleFitOptions): ScheduleFit {
  const { cron, deadline } = options;
  const fit: ScheduleFit = {};
  let deadlineAt = deadline.next(now);
  for (let i = 0; i < (options.deadlines ?? 14) && deadlineAt; i++) {
    const previousDeadline = deadline.previous(new Date(deadlineAt.getTime() - 1));
    const windowStart = cron.previous(new Date(deadlineAt.getTime() - 1));
    const triggerAtDeadline = cron.previous(deadlineAt)?.getTime() === deadlineAt.getTime();
    const servedBefore = windowStart !== undefined &&
      (previousDeadline === undefined || windowStart.getTime() > previousDeadline.getTime());
    if (triggerAtDeadline && !servedBefore) {
      fit.problem ??= { deadlineAt };
    } else if (
      windowStart !== undefined && deadlineAt.getTime() - windowStart.getTime() > WIDE_MS
    ) {
      fit.wide ??= { deadlineAt, windowStart };
    }
    deadlineAt = deadline.next(deadlineAt);
  }
  return fit;
}
