// Owns running client work beside a server statement: aborted when the statement fails, and
// settled before the caller goes on, so nothing of either outlives a failed load.
/**
 * @example Read a file while the server builds a key
 * ```ts
 * import assert from "node:assert/strict";
 * import { alongside } from "./alongside.ts";
 * const build = Promise.reject(new Error("lost the connection"));
 * let aborted = false;
 * await assert.rejects(
 *   alongside(build, (signal) =>
 *     new Promise<void>((_, reject) => {
 *       signal.addEventListener("abort", () => {
 *         aborted = true;
 *         reject(signal.reason);
 *       });
 *     })),
 *   /lost the connection/,
 * );
 * assert.ok(aborted);
 * ```
 */

/**
 * The main task's result once both it and the work beside it have settled. When the main task
 * fails, the work's signal is aborted with that failure, so work that would otherwise wait on
 * something the failure took away (a lost session, a stalled read) gives way at once; the work
 * must honour the signal in every wait. The main task's failure is the one thrown if both fail.
 *
 * @param main The statement, already started.
 * @param beside The work to start beside it, given the signal it must honour.
 */
export async function alongside<T>(
  main: Promise<T>,
  beside: ((signal: AbortSignal) => Promise<void>) | undefined,
): Promise<T> {
  if (!beside) return await main;
  const controller = new AbortController();
  main.catch((error) => controller.abort(error));
  let work: Promise<void>;
  try {
    work = beside(controller.signal);
  } catch (error) {
    work = Promise.reject(error);
  }
  const [done, other] = await Promise.allSettled([main, work]);
  if (done.status === "rejected") throw done.reason;
  if (other.status === "rejected") throw other.reason;
  return done.value;
}
