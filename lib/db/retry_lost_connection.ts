// Owns trying a short piece of database work again when its connection was lost under it.
/**
 * @example A closed connection on the first try, an answer on the second
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryLostConnection } from "./retry_lost_connection.ts";
 * let calls = 0;
 * const answer = await retryLostConnection({ tries: 3, pauseMs: 1 }, () =>
 *   ++calls === 1 ? Promise.reject({ code: "CONNECTION_CLOSED" }) : Promise.resolve(42));
 * assert.equal(answer, 42);
 * assert.equal(calls, 2);
 * ```
 */
import { isLostConnection } from "./is_lost_connection.ts";

/** How often to try, and the pause before the second try (it grows by that much each time). */
export interface RetryLostConnectionOptions {
  tries: number;
  pauseMs: number;
}

/**
 * Runs `work`, and again after a pause when it failed because the connection was lost (see
 * `isLostConnection`) or could not be opened in time (postgres.js `CONNECT_TIMEOUT`): the first
 * query on a pooled connection the server closed, or a slow first login after a restart on a busy
 * machine. Any other error, and the last try's, is thrown as it is.
 *
 * For work that is safe to repeat: it may have run on the server before the connection went.
 *
 * @param options Tries in all (at least 1) and the first pause.
 * @param work The database work.
 * @returns What `work` returned.
 */
export async function retryLostConnection<T>(
  options: RetryLostConnectionOptions,
  work: () => Promise<T>,
): Promise<T> {
  for (let tries = 1;; tries++) {
    try {
      return await work();
    } catch (error) {
      if (tries >= options.tries || !isConnectionTrouble(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs * tries));
    }
  }
}

function isConnectionTrouble(error: unknown): boolean {
  const code = typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
  return code === "CONNECT_TIMEOUT" || isLostConnection(error);
}
