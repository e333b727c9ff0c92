// Owns the scheduler's start while PostgreSQL is down: try again with backoff until it answers.
/**
 * @example Connect, waiting as long as it takes (or until a stop request)
 * ```ts ignore
 * import { waitForDatabase } from "./wait_for_database.ts";
 * const sql = await waitForDatabase(() => connectDatabase(db, "anime-etl-schedule"), {
 *   clock: systemClock, signal: stop.signal, log: console.log,
 * });
 * ```
 */
import type { Sql } from "postgres";
import { errorMessage, PipelineError } from "../errors.ts";
import { formatWait } from "../calendar/format_wait.ts";
import type { SchedulerClock } from "./scheduler.ts";

/** Options of {@link waitForDatabase}. */
export interface WaitForDatabaseOptions {
  clock: SchedulerClock;
  /** Ends the wait: the function then returns undefined. */
  signal: AbortSignal;
  log(line: string): void;
  /** Delay after the first failed attempt, in milliseconds, doubled up to `maxDelayMs`; default 1,000. */
  firstDelayMs?: number;
  /** Longest delay between attempts, in milliseconds; default 60,000. */
  maxDelayMs?: number;
}

/**
 * Calls `connect` until it succeeds. A `DB_UNREACHABLE` (or `EMBEDDED_POSTGRES`) failure is logged
 * as `schedule:waiting-for-database` with the attempt, the reason and the next delay; any other
 * error (e.g. `DB_INCOMPATIBLE`) is thrown, as waiting cannot cure it.
 *
 * @param connect Opens and checks the connection (see `connectDatabase`).
 * @param options Clock, stop signal, log and backoff.
 * @returns The connection, or undefined when `signal` aborted first.
 * @throws The first error that is not about reaching the database.
 */
export async function waitForDatabase(
  connect: () => Promise<Sql>,
  options: WaitForDatabaseOptions,
): Promise<Sql | undefined> {
  let delayMs = options.firstDelayMs ?? 1_000;
  for (let attempt = 1; !options.signal.aborted; attempt++) {
    try {
      const sql = await connect();
      if (attempt > 1) options.log(`schedule:database-back after ${attempt} attempts`);
      return sql;
    } catch (error) {
      const waitable = error instanceof PipelineError &&
        (error.code === "DB_UNREACHABLE" || error.code === "EMBEDDED_POSTGRES");
      if (!waitable) throw error;
      options.log(
        `schedule:waiting-for-database attempt ${attempt} failed: ${error.code}: ${
          errorMessage(error)
        }; next attempt in ${formatWait(delayMs)}`,
      );
    }
    const until = new Date(options.clock.now().getTime() + delayMs);
    await options.clock.sleepUntil(until, options.signal);
    delayMs = Math.min(delayMs * 2, options.maxDelayMs ?? 60_000);
  }
  return undefined;
}
