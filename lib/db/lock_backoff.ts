// Owns the waits between two attempts to take a run's locks: exponential, capped, with equal jitter.
/**
 * @example The first waits double; later ones stay between half the cap and the cap
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockBackoffMs } from "./lock_backoff.ts";
 * assert.equal(lockBackoffMs(1, { random: () => 0 }), 50);
 * assert.equal(lockBackoffMs(2, { random: () => 1 }), 200);
 * assert.equal(lockBackoffMs(30, { random: () => 1 }), 2000);
 * ```
 */

/** Options of {@link lockBackoffMs}. */
export interface LockBackoffOptions {
  /** The wait after the first failed attempt, before jitter, in milliseconds; default 100. */
  baseMs?: number;
  /** The longest wait, in milliseconds; default 2000. */
  capMs?: number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
}

/** The default of {@link LockBackoffOptions.baseMs}. */
export const LOCK_BACKOFF_BASE_MS = 100;
/** The default of {@link LockBackoffOptions.capMs}. */
export const LOCK_BACKOFF_CAP_MS = 2000;

/**
 * The wait after failed attempt `attempt` (1 for the first): `base * 2^(attempt-1)`, capped, of
 * which the upper half is random. Equal jitter rather than full: every pause lets readers run for
 * at least half the nominal wait, and runs that retry at the same time drift apart.
 *
 * @param attempt The failed attempt's number, from 1.
 * @param options Base, cap and the random source.
 * @returns Milliseconds, from half the nominal wait up to it.
 * @throws {RangeError} When `attempt` is not a positive integer.
 */
export function lockBackoffMs(attempt: number, options: LockBackoffOptions = {}): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute a backoff: attempt must be a positive integer, got ${attempt}`,
    );
  }
  const base = options.baseMs ?? LOCK_BACKOFF_BASE_MS;
  const cap = options.capMs ?? LOCK_BACKOFF_CAP_MS;
  const random = options.random ?? Math.random;
  // 2 ** 60 would overflow the cap's comparison only in precision: clamp the exponent first.
  const nominal = Math.min(cap, base * 2 ** Math.min(attempt - 1, 30));
  return nominal / 2 + random() * nominal / 2;
}
