// Owns taking strong locks on published tables without stalling readers: each attempt waits for its
// locks a short lock_timeout inside a savepoint; on timeout it rolls back, names who held them, and
// retries with jittered backoff until a bounded total wait, cancelling autovacuum workers in the
// way and optionally terminating the other holders.
/**
 * @example The swap of a run, inside its transaction
 * ```ts ignore
 * import { withShortLocks } from "./with_short_locks.ts";
 * await withShortLocks(tx, (sp) => sp.unsafe("lock table public.anime_list in access exclusive mode"), {
 *   action: "Cannot publish run 12",
 *   tables: ["public.anime_list"],
 *   mode: "ACCESS EXCLUSIVE",
 *   waitSeconds: 180,
 * });
 * ```
 */
import type { TransactionSql } from "postgres";
import { PipelineError } from "../errors.ts";
import { lockBackoffMs, type LockBackoffOptions } from "./lock_backoff.ts";
import { sqlText } from "./sql_files.ts";

/**
 * The lock_timeout of one attempt, in milliseconds. Every reader that arrives while an attempt
 * waits queues behind it, so this is the longest a reader waits for the pipeline. 200 ms is below
 * what an analyst notices and below deadlock_timeout (1 s): a deadlock with a reader ends in our
 * timeout, never in the reader's error. It is long enough for the statements readers run all
 * the time (a few milliseconds to a few hundred) to finish within one attempt, so a busy but
 * healthy database rarely needs a second one.
 */
export const SHORT_LOCK_TIMEOUT_MS = 200;

/** Lock modes an attempt requests, with the modes that conflict with each (PostgreSQL's table). */
const CONFLICTS = {
  "ACCESS EXCLUSIVE": [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
  ],
  "ROW EXCLUSIVE": ["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
} as const;

/** A session that held a lock an attempt waited for. */
export interface LockHolder {
  pid: number;
  user: string;
  applicationName: string;
  /** How long its transaction has been open, in seconds; null when its role's activity is hidden. */
  transactionSeconds: number | null;
  /** An autovacuum worker not preventing wraparound: the attempts cancel it; default false. */
  autovacuum?: boolean;
}

/** Options of {@link withShortLocks}. */
export interface ShortLockOptions {
  /** The failed action, first in the error message: `Cannot publish run 12`. */
  action: string;
  /** The relations the attempt locks, schema-qualified: their holders are named. */
  tables: readonly string[];
  /** The strongest mode the attempt requests on them. */
  mode: keyof typeof CONFLICTS;
  /** `[ETL] PUBLISH_WAIT_SECONDS`: total seconds of attempts and waits before `PUBLISH_BLOCKED`. */
  waitSeconds: number;
  /**
   * `[ETL] PUBLISH_TERMINATE_AFTER_SECONDS`: a session seen holding the locks for this many
   * seconds is terminated (logged), and the attempts go on; absent (the default): never.
   */
  terminateAfterSeconds?: number;
  /** lock_timeout of one attempt in milliseconds; default {@link SHORT_LOCK_TIMEOUT_MS}. */
  lockTimeoutMs?: number;
  /** The waits between attempts; defaults of {@link lockBackoffMs}. */
  backoff?: LockBackoffOptions;
  /** Prints `publish:` lines while waiting; default none. */
  event?: (text: string) => void;
  /** A stop request (or a lost connection): the wait between attempts ends with `stop.error()`. */
  stop?: { signal: AbortSignal | undefined; error(): Error };
  /** Seconds between two waiting lines; default 5. */
  reportIntervalSeconds?: number;
}

/** How the locks were taken. */
export interface ShortLockResult<T> {
  value: T;
  /** Attempts made, 1 when the first took its locks. */
  attempts: number;
  /** Sessions terminated on the way (with `terminateAfterSeconds`). */
  terminated: LockHolder[];
  /** Autovacuum workers cancelled on the way because they held the locks. */
  cancelledAutovacuums: LockHolder[];
}

/**
 * Runs `attempt` inside a savepoint with a short lock_timeout until it takes its locks, so readers
 * queue behind it for one attempt at most and run normally between attempts. An autovacuum worker
 * holding the locks is cancelled (logged `publish:cancelled`) and the next attempt follows at once:
 * PostgreSQL cancels such a worker for a lock waiter only after deadlock_timeout (1 s), which a
 * short attempt never reaches, and the launcher runs the VACUUM again later. A worker that prevents
 * transaction ID wraparound is left alone, as PostgreSQL leaves it, and named like any holder.
 *
 * @param tx The transaction; the locks stay held until it ends.
 * @param attempt Takes its locks first (LOCK TABLE in a fixed order), then does its work.
 * @param options What is locked, the total wait and what to print.
 * @returns The attempt's value, with the number of attempts and the sessions terminated.
 * @throws {PipelineError} `PUBLISH_BLOCKED` naming the sessions that held the locks when the wait
 *   ran out; the attempt's own errors (other than lock timeouts and deadlocks) as they are.
 */
export async function withShortLocks<T>(
  tx: TransactionSql,
  attempt: (sp: TransactionSql) => Promise<T>,
  options: ShortLockOptions,
): Promise<ShortLockResult<T>> {
  const timeoutMs = options.lockTimeoutMs ?? SHORT_LOCK_TIMEOUT_MS;
  const event = options.event ?? (() => {});
  const reportMs = (options.reportIntervalSeconds ?? 5) * 1000;
  const [setting] = await tx.unsafe<{ lock_timeout: string }[]>(
    await sqlText("locks/current_lock_timeout"),
  );
  const setTimeoutText = await sqlText("locks/set_lock_timeout");
  const started = performance.now();
  const seen = new Map<number, number>();
  const terminated: LockHolder[] = [];
  const cancelledAutovacuums: LockHolder[] = [];
  let lastReport = -Infinity;
  for (let attempts = 1;; attempts++) {
    try {
      const value = await tx.savepoint(async (sp) => {
        await sp.unsafe(setTimeoutText, [`${timeoutMs}ms`]);
        const value = await attempt(sp);
        await sp.unsafe(setTimeoutText, [setting!.lock_timeout]);
        return value;
      });
      return { value: value as T, attempts, terminated, cancelledAutovacuums };
    } catch (error) {
      if (!isLockWait(error)) throw error;
    }
    const found = await lockHolders(tx, options, timeoutMs);
    const cancelled = new Set<number>();
    for (const holder of found) {
      if (holder.autovacuum && await cancelAutovacuum(tx, holder, event)) {
        cancelled.add(holder.pid);
        cancelledAutovacuums.push(holder);
      }
    }
    const holders = found.filter((holder) => !cancelled.has(holder.pid));
    const now = performance.now();
    for (const holder of holders) if (!seen.has(holder.pid)) seen.set(holder.pid, now - timeoutMs);
    const waitedSeconds = (now - started) / 1000;
    if (waitedSeconds >= options.waitSeconds) {
      throw blocked(options, waitedSeconds, attempts, holders);
    }
    if (now - lastReport >= reportMs && waitedSeconds >= 1) {
      lastReport = now;
      event(
        `publish:waiting ${waitedSeconds.toFixed(1)} s for locks on ${options.tables.length} ` +
          `published tables (attempt ${attempts}, at most ${options.waitSeconds} s): ` +
          `${describeHolders(holders)}`,
      );
    }
    if (options.terminateAfterSeconds !== undefined) {
      const limitMs = options.terminateAfterSeconds * 1000;
      for (const holder of holders) {
        if (now - seen.get(holder.pid)! < limitMs) continue;
        if (await terminate(tx, holder, event, (now - seen.get(holder.pid)!) / 1000)) {
          terminated.push(holder);
        }
        seen.delete(holder.pid);
      }
    }
    // Only cancelled workers were in the way: the next attempt at once.
    if (cancelled.size > 0 && holders.length === 0) continue;
    const delayMs = Math.min(
      lockBackoffMs(attempts, options.backoff),
      (options.waitSeconds - waitedSeconds) * 1000,
    );
    await pause(delayMs, options.stop);
  }
}

/**
 * Names the sessions that held the locks, for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeHolders } from "./with_short_locks.ts";
 * assert.equal(
 *   describeHolders([{ pid: 7, user: "ana", applicationName: "psql", transactionSeconds: 75.04 }]),
 *   'held by pid 7 (user "ana", application "psql", transaction open 75.0 s)',
 * );
 * assert.equal(describeHolders([]), "no session holds them now");
 * ```
 */
export function describeHolders(holders: readonly LockHolder[]): string {
  if (holders.length === 0) return "no session holds them now";
  return `held by ${holders.map(describeHolder).join(", ")}`;
}

function describeHolder(holder: LockHolder): string {
  const age = holder.transactionSeconds === null
    ? "transaction age hidden (grant pg_read_all_stats to see it)"
    : `transaction open ${holder.transactionSeconds.toFixed(1)} s`;
  return `pid ${holder.pid} (user "${holder.user}", application "${holder.applicationName}", ${age})`;
}

// 55P03: lock_timeout ran out. 40P01: a deadlock with a reader, which PostgreSQL resolved by
// failing this attempt; both leave the transaction usable after the rollback to the savepoint.
function isLockWait(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "55P03" || code === "40P01";
}

async function lockHolders(
  tx: TransactionSql,
  options: ShortLockOptions,
  timeoutMs: number,
): Promise<LockHolder[]> {
  const rows = await tx.unsafe<
    {
      pid: number;
      user_name: string;
      application_name: string;
      transaction_seconds: number;
      cancellable_autovacuum: boolean;
    }[]
  >(await sqlText("locks/lock_holders"), [
    options.tables as string[],
    timeoutMs,
    CONFLICTS[options.mode] as unknown as string[],
  ]);
  return rows.map((row) => ({
    pid: row.pid,
    user: row.user_name,
    applicationName: row.application_name,
    transactionSeconds: row.transaction_seconds ?? null,
    ...(row.cancellable_autovacuum ? { autovacuum: true } : {}),
  }));
}

// Inside a savepoint, like terminate: before PostgreSQL 18 only a superuser may signal an autovacuum
// worker; without that right the worker stays and is named among the holders until it ends.
async function cancelAutovacuum(
  tx: TransactionSql,
  holder: LockHolder,
  event: (text: string) => void,
): Promise<boolean> {
  try {
    const text = await sqlText("locks/cancel_autovacuum");
    const [row] = await tx.savepoint((sp) =>
      sp.unsafe<{ cancelled: boolean }[]>(text, [holder.pid])
    );
    if (row?.cancelled) {
      event(
        `publish:cancelled autovacuum worker pid ${holder.pid}: it held a lock on a published ` +
          `table; PostgreSQL runs it again later`,
      );
      return true;
    }
  } catch (error) {
    event(
      `publish:could not cancel autovacuum worker pid ${holder.pid}: ${(error as Error).message}`,
    );
  }
  return false;
}

// Inside a savepoint: a refusal (no privilege to signal that role) must not end the transaction.
async function terminate(
  tx: TransactionSql,
  holder: LockHolder,
  event: (text: string) => void,
  blockedSeconds: number,
): Promise<boolean> {
  const who = describeHolder(holder);
  try {
    const text = await sqlText("locks/terminate_backend");
    const [row] = await tx.savepoint((sp) =>
      sp.unsafe<{ terminated: boolean }[]>(text, [holder.pid])
    );
    if (row?.terminated) {
      event(`publish:terminated ${who}: it held the locks for ${blockedSeconds.toFixed(1)} s`);
      return true;
    }
    event(`publish:could not terminate ${who}: the session was gone`);
  } catch (error) {
    event(`publish:could not terminate ${who}: ${(error as Error).message}`);
  }
  return false;
}

function blocked(
  options: ShortLockOptions,
  waitedSeconds: number,
  attempts: number,
  holders: readonly LockHolder[],
): PipelineError {
  return new PipelineError(
    "PUBLISH_BLOCKED",
    `${options.action}: the locks on the published tables were not free within ` +
      `PUBLISH_WAIT_SECONDS (${options.waitSeconds} s; ${attempts} attempts in ` +
      `${waitedSeconds.toFixed(1)} s): ${describeHolders(holders)}; nothing was published`,
    { stage: "publish", transient: true },
  );
}

// A pause between attempts that a stop request ends at once; its timer never outlives it.
function pause(ms: number, stop: ShortLockOptions["stop"]): Promise<void> {
  const signal = stop?.signal;
  if (signal?.aborted) return Promise.reject(stop!.error());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(stop!.error());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
