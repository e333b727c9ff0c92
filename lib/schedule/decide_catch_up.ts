// Owns the scheduler's start-up rule: is a trigger that fell while it was down still owed a run?
/**
 * @example Down over 07:00, started at 09:00: the 07:00 trigger is caught up
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "../calendar/cron_schedule.ts";
 * import { decideCatchUp } from "./decide_catch_up.ts";
 * const decision = decideCatchUp(new Date("2026-05-02T09:00:00Z"), {
 *   cron: createCronSchedule("0 7 * * *", "UTC"),
 *   runs: 3,
 *   lastStartedAt: new Date("2026-05-01T07:00:01Z"),
 * });
 * assert.equal(decision.due && decision.scheduledFor.toISOString(), "2026-05-02T07:00:00.000Z");
 * ```
 */
import type { CronSchedule } from "../calendar/cron_schedule.ts";

/** What etl.runs says about earlier runs (see sql/schedule/run_history.sql). */
export interface CatchUpOptions {
  cron: CronSchedule;
  /** Runs recorded in etl.runs, of any status. */
  runs: number;
  /** Start of the last run that ran to an end (not abandoned, not still marked running). */
  lastStartedAt?: Date | undefined;
}

/** Whether to run now, and for which trigger; or why not, in words. */
export type CatchUpDecision =
  | { due: true; scheduledFor: Date; reason: string }
  | { due: false; reason: string };

/**
 * Decides whether the scheduler owes a run on start. A run is owed when the last trigger at or
 * before `now` has no run (of any trigger: schedule, catch-up or manual) that started at or after
 * it and ran to an end. Only that one trigger is caught up, however many fell during the downtime.
 * An empty etl.runs owes nothing: nothing was loaded, so no refresh was missed (`deno task etl`
 * does the first load).
 *
 * @param now Start-up instant.
 * @param options The schedule and the run history.
 * @returns The decision.
 */
export function decideCatchUp(now: Date, options: CatchUpOptions): CatchUpDecision {
  const scheduledFor = options.cron.previous(now);
  if (scheduledFor === undefined) {
    return { due: false, reason: "the schedule has no trigger before now" };
  }
  if (options.runs === 0) {
    return { due: false, reason: "etl.runs has no run yet; deno task etl loads now" };
  }
  const last = options.lastStartedAt;
  if (last !== undefined && last.getTime() >= scheduledFor.getTime()) {
    return {
      due: false,
      reason:
        `a run started at ${last.toISOString()}, after the last trigger at ${scheduledFor.toISOString()}`,
    };
  }
  return {
    due: true,
    scheduledFor,
    reason: `no run since the trigger at ${scheduledFor.toISOString()}` +
      (last ? `; the last one started at ${last.toISOString()}` : ""),
  };
}
