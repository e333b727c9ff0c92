// Owns turning the daily deadline `HH:MM` into a schedule of deadline instants in a time zone.
/**
 * @example The 07:00 deadline in Berlin, in UTC
 * ```ts
 * import assert from "node:assert/strict";
 * import { deadlineSchedule } from "./deadline_schedule.ts";
 * const deadlines = deadlineSchedule("07:00", "Europe/Berlin");
 * const due = deadlines.previous(new Date("2026-07-01T12:00:00Z"));
 * assert.equal(due?.toISOString(), "2026-07-01T05:00:00.000Z");
 * ```
 */
import { createCronSchedule, type CronSchedule } from "./cron_schedule.ts";

/**
 * Builds the schedule of a daily deadline.
 *
 * @param deadline Time of day `HH:MM` (24-hour), already validated by the settings.
 * @param timeZone IANA time zone the time of day is read in.
 * @returns A schedule whose triggers are the deadline instants, one per day.
 * @throws {TypeError} When `deadline` is not `HH:MM`.
 */
export function deadlineSchedule(deadline: string, timeZone: string): CronSchedule {
  const match = /^(\d{1,2}):(\d{2})$/.exec(deadline);
  if (!match) throw new TypeError(`Cannot read deadline "${deadline}": expected HH:MM`);
  return createCronSchedule(`${Number(match[2])} ${Number(match[1])} * * *`, timeZone);
}
