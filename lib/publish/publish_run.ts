// Owns publishing a run's staged star schema: the quality gate, the swap into public, the readers'
// grants and fresh statistics, all inside the run's transaction so readers see it at commit.
/**
 * @example The last step of a run's transaction
 * ```ts ignore
 * import { publishRun } from "./publish_run.ts";
 * await publishRun(tx, { runId, checks });
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { PipelineError } from "../errors.ts";
import type { QualityCheck } from "../quality/run_checks.ts";

/**
 * Publishes the staged tables, or refuses when a blocking check failed.
 *
 * @param tx The run's transaction, with the staged tables.
 * @param run The run and its quality checks.
 * @throws {PipelineError} `QUALITY_FAILED` naming every failed blocking check and what it observed.
 */
export async function publishRun(
  tx: TransactionSql,
  run: { runId: number; checks: readonly QualityCheck[] },
): Promise<void> {
  refuseFailedChecks(run);
  await swapStarSchema(tx);
  // Grants live on the tables, which each run replaces: give them back before the commit.
  await tx.unsafe(await sqlText("roles/grant_readers"));
  await tx.unsafe(await sqlText("star/analyze"));
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

// Readers keep the old tables until the commit, then see the new ones. The one step that takes
// ACCESS EXCLUSIVE locks on published tables.
async function swapStarSchema(tx: TransactionSql): Promise<void> {
  await tx.unsafe(await sqlText("star/publish"));
}
