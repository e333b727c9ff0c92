// Owns which refresh a deadline asks about: the deadline instant and the window of runs that count.
/**
 * @example A 06:00 trigger opens the window of a 07:00 deadline
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "../calendar/cron_schedule.ts";
 * import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
 * import { deadlineWindow } from "./deadline_window.ts";
 * const window = deadlineWindow(new Date("2026-05-02T07:30:00Z"), {
 *   cron: createCronSchedule("0 6 * * *", "UTC"),
 *   deadline: deadlineSchedule("07:00", "UTC"),
 * });
 * assert.equal(window.dueAt.toISOString(), "2026-05-02T07:00:00.000Z");
 * assert.equal(window.windowStart.toISOString(), "2026-05-02T06:00:00.000Z");
 * assert.equal(window.windowEnd.toISOString(), "2026-05-03T06:00:00.000Z");
 * ```
 */
import type { CronSchedule } from "../calendar/cron_schedule.ts";

/** A deadline and the runs that count for it: those started in [windowStart, windowEnd). */
export interface DeadlineWindow {
  /** The deadline instant. */
  dueAt: Date;
  /** The last scheduled trigger strictly before `dueAt` (24 hours before it if the cron has none). */
  windowStart: Date;
  /** The first trigger at or after `dueAt`: runs it (or a later one) starts are for later deadlines. */
  windowEnd: Date;
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
 * Finds the deadline due at `now` (the last one at or before it; before today's deadline,
 * yesterday's) and its window.
 *
 * @param now The instant of the check.
 * @param options The trigger and deadline schedules.
 * @returns The deadline and its window.
 * @throws {RangeError} When the deadline schedule has no instant before `now` (cannot happen for a
 *   daily time).
 */
export function deadlineWindow(now: Date, options: DeadlineWindowOptions): DeadlineWindow {
  const dueAt = options.deadline.previous(now);
  if (dueAt === undefined) {
    throw new RangeError(`Cannot find a deadline at or before ${now.toISOString()}`);
  }
  return windowOfDeadline(dueAt, options);
}

/**
 * The window of one deadline instant. It opens at the last trigger strictly before the deadline: a
 * run triggered at the deadline itself cannot finish by it, so with `*\/10 * * * *` and `07:00`
 * the 06:50 run counts. It ends at the first trigger at or after the deadline: a run started after
 * the deadline but before that trigger (a manual run at 10:00) is a late run for this deadline, and
 * the next trigger's run belongs to the next deadline.
 *
 * @param dueAt A deadline instant.
 * @param options The trigger and deadline schedules.
 * @returns The deadline and its window.
 */
export function windowOfDeadline(dueAt: Date, options: DeadlineWindowOptions): DeadlineWindow {
  const justBefore = new Date(dueAt.getTime() - 1);
  return {
    dueAt,
    windowStart: options.cron.previous(justBefore) ?? new Date(dueAt.getTime() - DAY_MS),
    windowEnd: options.cron.next(justBefore) ?? new Date(dueAt.getTime() + DAY_MS),
  };
}
