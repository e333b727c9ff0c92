// Owns which refresh a deadline check asks about: the deadline due and when its window opened.
/**
 * @example A 06:00 trigger opens the window of a 07:00 deadline
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "./cron_schedule.ts";
 * import { deadlineSchedule } from "./deadline_schedule.ts";
 * import { deadlineWindow } from "./deadline_window.ts";
 * const window = deadlineWindow(new Date("2026-05-02T07:30:00Z"), {
 *   cron: createCronSchedule("0 6 * * *", "UTC"),
 *   deadline: deadlineSchedule("07:00", "UTC"),
 * });
 * assert.equal(window.dueAt.toISOString(), "2026-05-02T07:00:00.000Z");
 * assert.equal(window.windowStart.toISOString(), "2026-05-02T06:00:00.000Z");
 * ```
 */
import type { CronSchedule } from "./cron_schedule.ts";

/** The deadline a check is about and the start of the refresh window it requires a run in. */
export interface DeadlineWindow {
  /** The last deadline instant at or before the check. */
  dueAt: Date;
  /** The last scheduled trigger at or before `dueAt` (24 hours before it if the cron has none). */
  windowStart: Date;
}

/** Options of {@link deadlineWindow}. */
export interface DeadlineWindowOptions {
  /** The ETL's trigger schedule. */
  cron: CronSchedule;
  /** The daily deadline instants (see `deadlineSchedule`). */
  deadline: CronSchedule;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Finds the deadline due at `now` and its refresh window. Before today's deadline, yesterday's is
 * due. The window opens at the last trigger at or before the deadline, so with a 06:00 trigger and
 * a 07:00 deadline the 06:00 run counts, and with both at 07:00 the 07:00 run does.
 *
 * @param now The instant of the check.
 * @param options The trigger and deadline schedules.
 * @returns The deadline and window start.
 * @throws {RangeError} When the deadline schedule has no instant before `now` (cannot happen for a
 *   daily time).
 */
export function deadlineWindow(now: Date, options: DeadlineWindowOptions): DeadlineWindow {
  const dueAt = options.deadline.previous(now);
  if (dueAt === undefined) {
    throw new RangeError(`Cannot find a deadline at or before ${now.toISOString()}`);
  }
  const windowStart = options.cron.previous(dueAt) ?? new Date(dueAt.getTime() - DAY_MS);
  return { dueAt, windowStart };
}
