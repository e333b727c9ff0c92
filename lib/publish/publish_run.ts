// Owns publishing a run's staged star schema: the quality gate, the swap into public, the readers'
// grants and fresh statistics, all inside the run's transaction so readers see it at commit.
/**
 * @example The last step of a run's transaction
 * ```ts ignore
 * import { publishRun } from "./publish_run.ts";
 * await publishRun(tx, { runId, checks }, { runId, limits, event: progress.event, stop });
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { PipelineError } from "../errors.ts";
import type { QualityCheck } from "../quality/run_checks.ts";
import { type PublishLocks, swapWithShortLocks } from "./publish_locks.ts";

/**
 * Publishes the staged tables, or refuses when a blocking check failed.
 *
 * @param tx The run's transaction, with the staged tables.
 * @param run The run and its quality checks.
 * @param locks How the swap waits for readers holding the published tables.
 * @throws {PipelineError} `QUALITY_FAILED` naming every failed blocking check and what it observed;
 *   `PUBLISH_BLOCKED` naming the sessions that held the published tables for PUBLISH_WAIT_SECONDS.
 */
export async function publishRun(
  tx: TransactionSql,
  run: { runId: number; checks: readonly QualityCheck[] },
  locks: PublishLocks,
): Promise<void> {
  refuseFailedChecks(run);
  // Statistics of the staged tables (the search_path's first schema), taken before the swap: they
  // move with the tables, and readers, who queue for the swap's locks until the commit, do not
  // wait for the sampling too.
  await tx.unsafe(await sqlText("star/analyze"));
  // The one step that takes ACCESS EXCLUSIVE locks on published tables: in short attempts, so
  // readers never queue behind it for long. Readers keep the old tables until the commit.
  await swapWithShortLocks(tx, locks);
  // Grants live on the tables, which each run replaces: give them back before the commit.
  await tx.unsafe(await sqlText("roles/grant_readers"));
}

/**
 * The quality gate alone: an incremental run changes the published tables in place, so its commit
 * is its publish.
 *
 * @throws {PipelineError} `QUALITY_FAILED` naming every failed blocking check and what it observed.
 */
export function refuseFailedChecks(run: { runId: number; checks: readonly QualityCheck[] }): void {
  const failed = run.checks.filter((check) => check.status === "failed");
  if (failed.length > 0) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot publish run ${run.runId}: blocking quality checks failed: ${
        failed.map((check) => `${check.name} (observed ${check.observed})`).join("; ")
      }`,
      { stage: "quality" },
    );
  }
}
