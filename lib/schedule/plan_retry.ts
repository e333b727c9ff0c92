// Owns the retry rule of scheduled runs: which failures are retried, when, and until when.
/**
 * @example A transient failure at 06:05 is retried at 06:07; at 06:55 there is no time left
 * ```ts
 * import assert from "node:assert/strict";
 * import { planRetry } from "./plan_retry.ts";
 * const options = {
 *   code: "SOURCE_UNREADABLE",
 *   retriesDone: 0,
 *   retry: { attempts: 3, baseDelayMs: 120_000 },
 *   until: new Date("2026-05-02T07:00:00Z"),
 *   expectedSeconds: 300,
 * };
 * const soon = planRetry(new Date("2026-05-02T06:05:00Z"), options);
 * assert.equal(soon.retry && soon.at.toISOString(), "2026-05-02T06:07:00.000Z");
 * assert.equal(planRetry(new Date("2026-05-02T06:55:00Z"), options).retry, false);
 * ```
 */

/**
 * Failures a retry can cure: S3 kept failing (`SOURCE_UNREADABLE`), an object changed during the
 * run (`SOURCE_CHANGED`), PostgreSQL was unreachable or went away (`DB_UNREACHABLE`), the
 * embedded server could not be started (`EMBEDDED_POSTGRES`), another run held the lock
 * (`RUN_LOCKED`), or a session held the published tables past the publish's wait
 * (`PUBLISH_BLOCKED`). Everything else (bad configuration, missing or corrupt sources, the reject
 * threshold, a quality check, an interruption) fails the same way again.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "SOURCE_UNREADABLE",
  "SOURCE_CHANGED",
  "DB_UNREACHABLE",
  "EMBEDDED_POSTGRES",
  "RUN_LOCKED",
  "PUBLISH_BLOCKED",
]);

/** How often and how soon to retry. */
export interface RetrySettings {
  /** Retries after the first attempt; default 3. */
  attempts: number;
  /** Delay before the first retry, in milliseconds, doubled for each further one; default 120,000. */
  baseDelayMs: number;
}

/** Options of {@link planRetry}. */
export interface PlanRetryOptions {
  /** Error code of the failed attempt. */
  code: string;
  /** Retries made so far for this trigger (0 after the first attempt). */
  retriesDone: number;
  retry: RetrySettings;
  /** A retry must be able to finish by this instant (the deadline, see the scheduler). */
  until: Date;
  /** What `until` is, in words, e.g. `the deadline 2026-05-02 07:00 UTC`; default its ISO form. */
  untilLabel?: string;
  /** How long a run takes, in seconds. */
  expectedSeconds: number;
}

/** Retry at `at`, or not, and why not. */
export type RetryPlan = { retry: true; at: Date; delayMs: number } | {
  retry: false;
  reason: string;
};

/**
 * Plans the next retry after a failed attempt: only for a transient code, at most
 * `retry.attempts` times, after `baseDelayMs × 2^retriesDone`, and only if a run started then is
 * expected to finish by `until`.
 *
 * @param now When the attempt failed.
 * @param options The failure, the settings and the limit.
 * @returns The plan.
 */
export function planRetry(now: Date, options: PlanRetryOptions): RetryPlan {
  if (!TRANSIENT_CODES.has(options.code)) {
    return {
      retry: false,
      reason: `${options.code} is not transient, so a retry would fail again`,
    };
  }
  if (options.retriesDone >= options.retry.attempts) {
    return {
      retry: false,
      reason: options.retry.attempts === 0
        ? "retries are off (SCHEDULE.RETRY_ATTEMPTS = 0)"
        : `gave up after ${options.retry.attempts} ${
          options.retry.attempts === 1 ? "retry" : "retries"
        } (SCHEDULE.RETRY_ATTEMPTS)`,
    };
  }
  const delayMs = options.retry.baseDelayMs * 2 ** options.retriesDone;
  const at = new Date(now.getTime() + delayMs);
  const finish = new Date(at.getTime() + options.expectedSeconds * 1000);
  if (finish.getTime() > options.until.getTime()) {
    return {
      retry: false,
      reason: `a retry at ${iso(at)} would finish around ${iso(finish)}, after ${
        options.untilLabel ?? iso(options.until)
      }`,
    };
  }
  return { retry: true, at, delayMs };
}

function iso(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, "Z");
}
