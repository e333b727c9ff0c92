// Owns which deadline a check at a given instant is about: the one due, or the next one early.
/**
 * @example Ten minutes before a 07:00 deadline, with runs of 15 minutes, the next deadline is at risk
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseDeadline } from "./choose_deadline.ts";
 * import { createCronSchedule } from "../calendar/cron_schedule.ts";
 * import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
 * const options = {
 *   cron: createCronSchedule("0 6 * * *", "UTC"),
 *   deadline: deadlineSchedule("07:00", "UTC"),
 *   expectedSeconds: 900,
 * };
 * const early = chooseDeadline(new Date("2026-05-02T06:50:00Z"), options);
 * assert.deepEqual([early.window.dueAt.toISOString(), early.early], ["2026-05-02T07:00:00.000Z", true]);
 * const due = chooseDeadline(new Date("2026-05-02T06:40:00Z"), options);
 * assert.deepEqual([due.window.dueAt.toISOString(), due.early], ["2026-05-01T07:00:00.000Z", false]);
 * ```
 */
import { deadlineWindow, type DeadlineWindowOptions, windowOfDeadline } from "./deadline_window.ts";
import type { DeadlineWindow } from "./deadline_window.ts";

/** Options of {@link chooseDeadline}. */
export interface ChooseDeadlineOptions extends DeadlineWindowOptions {
  /** How long a run takes, in seconds (see `readExpectedRun`). */
  expectedSeconds: number;
}

/**
 * Chooses the deadline to check at `now`. From the next deadline minus the expected run time
 * (its at-risk instant) until that deadline, the check is about the next deadline, early: no
 * success yet means `at_risk`. Otherwise it is about the last deadline at or before `now`.
 *
 * @param now The instant of the check.
 * @param options The schedules and the expected run time.
 * @returns The window, whether the check is early, and the next deadline's at-risk instant.
 */
export function chooseDeadline(
  now: Date,
  options: ChooseDeadlineOptions,
): { window: DeadlineWindow; early: boolean; riskAt?: Date } {
  const upcoming = options.deadline.next(now);
  if (upcoming !== undefined) {
    const riskAt = new Date(upcoming.getTime() - options.expectedSeconds * 1000);
    if (now.getTime() >= riskAt.getTime()) {
      return { window: windowOfDeadline(upcoming, options), early: true, riskAt };
    }
    return { window: deadlineWindow(now, options), early: false, riskAt };
  }
  return { window: deadlineWindow(now, options), early: false };
}
