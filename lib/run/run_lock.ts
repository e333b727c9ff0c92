// Owns the run lock: one run at a time per database, held by a session of its own for the whole run.
/**
 * @example Hold the lock for a block
 * ```ts ignore
 * import { acquireRunLock } from "./run_lock.ts";
 * await using _lock = await acquireRunLock(connections.lock);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { PipelineError } from "../errors.ts";

// Any constant works; it only has to differ from other advisory locks in the same database.
const RUN_LOCK = 7_411_002;

/**
 * Takes the session-level advisory lock of runs; PostgreSQL releases it when the session ends,
 * even when the process dies.
 *
 * @param lock The run's lock session.
 * @returns Releases the lock when disposed (at once when the session is gone: the lock went with it).
 * @throws {PipelineError} `RUN_LOCKED` naming the run in progress.
 */
export async function acquireRunLock(lock: Sql): Promise<AsyncDisposable> {
  const [row] = await lock.unsafe<{ locked: boolean }[]>(await sqlText("runs/try_run_lock"), [
    RUN_LOCK,
  ]);
  if (!row?.locked) {
    const [running] = await lock.unsafe<{ run_id: string; started_at: Date }[]>(
      await sqlText("runs/running_run"),
    );
    throw new PipelineError(
      "RUN_LOCKED",
      `Cannot start a run: another run is in progress${
        running ? ` (run ${running.run_id}, started ${running.started_at.toISOString()})` : ""
      }; try again when it has finished`,
      { stage: "load" },
    );
  }
  const release = await sqlText("runs/release_run_lock");
  return {
    async [Symbol.asyncDispose]() {
      await lock.unsafe(release, [RUN_LOCK]).catch(() => {});
    },
  };
}
