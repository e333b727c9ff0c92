// Owns the real clock of `deno task schedule`: wall time, and sleeps that notice clock jumps.
/**
 * @example Sleep until shortly from now
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "./system_clock.ts";
 * const until = new Date(Date.now() + 20);
 * await systemClock.sleepUntil(until, new AbortController().signal);
 * assert.ok(systemClock.now().getTime() >= until.getTime());
 * ```
 */
import type { SchedulerClock } from "./scheduler.ts";

/** Longest single timer, in milliseconds: the wall clock is read again at least this often. */
const MAX_STEP_MS = 60_000;

/**
 * The system clock. A sleep is cut into steps of at most a minute and re-reads the wall clock after
 * each, so a suspended machine or a clock set forward triggers at the right wall time.
 */
export const systemClock: SchedulerClock = {
  now: () => new Date(),
  async sleepUntil(instant, signal) {
    while (!signal.aborted) {
      const remaining = instant.getTime() - Date.now();
      if (remaining <= 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(remaining, MAX_STEP_MS));
        signal.addEventListener("abort", done, { once: true });
      });
    }
  },
};
