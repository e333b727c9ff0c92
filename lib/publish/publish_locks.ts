// Owns how a run takes its locks on the published tables: the swap's ACCESS EXCLUSIVE locks and an
// incremental run's ROW EXCLUSIVE ones, each in short attempts (lib/db/with_short_locks.ts) bounded
// by [ETL] PUBLISH_WAIT_SECONDS, with the run's progress lines and stop request.
/**
 * @example An incremental run's locks, before its merge
 * ```ts ignore
 * import { lockIncremental } from "./publish_locks.ts";
 * await lockIncremental(tx, { runId, limits, event: progress.event, stop });
 * ```
 */
import type { TransactionSql } from "postgres";
import type { RunLimits } from "../config/settings.ts";
import { sqlText } from "../db/sql_files.ts";
import { type ShortLockOptions, withShortLocks } from "../db/with_short_locks.ts";

/** What a run's lock attempts need from the run. */
export interface PublishLocks {
  runId: number;
  limits: Pick<RunLimits, "publishWaitSeconds" | "publishTerminateAfterSeconds">;
  /** Prints a `publish:` line. */
  event?: (text: string) => void;
  /** The run's stop request. */
  stop?: ShortLockOptions["stop"];
}

// The tables of sql/deltas/lock_list.sql.
const INCREMENTAL_TABLES = [
  "public.anime_list_source",
  "public.anime_list",
  "public.anime_status_stats",
  "public.anime_stats",
  "public.genre_stats",
] as const;

/**
 * Swaps the staged tables into public: takes every lock first (sql/star/lock_published.sql) under
 * the short lock_timeout, then drops and moves the tables (sql/star/publish.sql), all in one
 * attempt; retried until PUBLISH_WAIT_SECONDS.
 *
 * @throws {PipelineError} `PUBLISH_BLOCKED` naming the sessions that held the tables.
 */
export async function swapWithShortLocks(tx: TransactionSql, locks: PublishLocks): Promise<void> {
  const tables = await tx.unsafe<{ name: string }[]>(await sqlText("star/staged_tables"));
  const lockText = await sqlText("star/lock_published");
  const swapText = await sqlText("star/publish");
  const { attempts, terminated, cancelledAutovacuums } = await withShortLocks(tx, async (sp) => {
    await sp.unsafe(lockText);
    await sp.unsafe(swapText);
  }, {
    ...options(locks, `Cannot publish run ${locks.runId}`),
    tables: tables.map((table) => table.name),
    mode: "ACCESS EXCLUSIVE",
  });
  report(locks, attempts, terminated.length, cancelledAutovacuums.length);
}

/**
 * Takes an incremental run's locks on the tables its merge writes (sql/deltas/lock_list.sql):
 * ROW EXCLUSIVE, which readers never wait for; only SHARE or stronger locks can hold it up.
 *
 * @throws {PipelineError} `PUBLISH_BLOCKED` naming the sessions that held the tables.
 */
export async function lockIncremental(tx: TransactionSql, locks: PublishLocks): Promise<void> {
  const lockText = await sqlText("deltas/lock_list");
  const { attempts, terminated, cancelledAutovacuums } = await withShortLocks(tx, async (sp) => {
    await sp.unsafe(lockText);
  }, {
    ...options(locks, `Cannot apply the deltas of run ${locks.runId}`),
    tables: INCREMENTAL_TABLES,
    mode: "ROW EXCLUSIVE",
  });
  report(locks, attempts, terminated.length, cancelledAutovacuums.length);
}

function options(
  locks: PublishLocks,
  action: string,
): Omit<ShortLockOptions, "tables" | "mode"> {
  return {
    action,
    waitSeconds: locks.limits.publishWaitSeconds,
    ...(locks.limits.publishTerminateAfterSeconds === undefined
      ? {}
      : { terminateAfterSeconds: locks.limits.publishTerminateAfterSeconds }),
    ...(locks.event ? { event: locks.event } : {}),
    ...(locks.stop ? { stop: locks.stop } : {}),
  };
}

function report(
  locks: PublishLocks,
  attempts: number,
  terminated: number,
  cancelledAutovacuums: number,
): void {
  if (attempts === 1) return;
  locks.event?.(
    `publish:took the locks at attempt ${attempts}` +
      (terminated > 0 ? ` after terminating ${terminated} session(s)` : "") +
      (cancelledAutovacuums > 0
        ? ` after cancelling ${cancelledAutovacuums} autovacuum worker(s)`
        : ""),
  );
}
