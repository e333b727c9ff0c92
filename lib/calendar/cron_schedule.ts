// Owns reading a cron expression in a time zone: the trigger times after or at/before an instant.
/**
 * @example The next daily 07:00 in Berlin
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "./cron_schedule.ts";
 * const schedule = createCronSchedule("0 7 * * *", "Europe/Berlin");
 * const next = schedule.next(new Date("2026-01-15T12:00:00Z"));
 * assert.equal(next?.toISOString(), "2026-01-16T06:00:00.000Z");
 * ```
 */
import { Cron } from "croner";

/** Trigger times of a cron expression read in one time zone. */
export interface CronSchedule {
  /** The expression as configured, e.g. `0 7 * * *`. */
  readonly expression: string;
  /** The IANA time zone it is read in. */
  readonly timeZone: string;
  /** The first trigger strictly after `after`; undefined when there is none. */
  next(after: Date): Date | undefined;
  /** The last trigger at or before `atOrBefore`; undefined when there is none. */
  previous(atOrBefore: Date): Date | undefined;
}

/**
 * Parses a standard 5-field cron expression (minute, hour, day of month, month, day of week) with
 * croner. Times that do not exist on a daylight-saving change run at the first valid time after
 * it; a repeated hour runs once.
 *
 * @param expression E.g. `0 7 * * *` for daily at 07:00.
 * @param timeZone IANA time zone, e.g. `UTC` or `Europe/Berlin`.
 * @returns The schedule.
 * @throws {TypeError} From croner when the expression is not valid, e.g.
 *   `CronPattern: Invalid value for hour: 25`; {RangeError} for an unknown time zone.
 */
export function createCronSchedule(expression: string, timeZone: string): CronSchedule {
  // Fails here, not at the first trigger, on an unknown zone.
  new Intl.DateTimeFormat("en-US", { timeZone });
  const cron = new Cron(expression, { timezone: timeZone, mode: "5-part", paused: true });
  return {
    expression,
    timeZone,
    next: (after) => cron.nextRun(after) ?? undefined,
    previous: (atOrBefore) => {
      // croner's reference is exclusive; one millisecond later includes a trigger at the instant.
      const [previous] = cron.previousRuns(1, new Date(atOrBefore.getTime() + 1));
      return previous;
    },
  };
}
