// Owns the incremental run's transaction: only the new deltas applied to the published tables in
// place, checked from the ledger, committed with their ledger rows.
/**
 * @example The transaction of an incremental run
 * ```ts ignore
 * import { applyIncremental } from "./apply_incremental.ts";
 * await connections.transaction((tx) => applyIncremental(run, tx, plan, kind));
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { DeltaObject } from "../extract/delta_objects.ts";
import { heldBackKept } from "../load/held_back_rows.ts";
import { publishedLookups } from "../load/load_anime_list.ts";
import { refuseFailedChecks } from "../publish/publish_run.ts";
import { runQualityChecks } from "../quality/run_checks.ts";
import { applyDeltas } from "./apply_deltas.ts";
import type { RunPlan } from "./plan_run.ts";
import { loadStep, publishLocks, type Run } from "./run_context.ts";
import { lockIncremental } from "../publish/publish_locks.ts";
import { finishRun, type RunKind, storeChecks } from "./run_log.ts";

/**
 * Applies only the new deltas to the published tables in place; readers see the list before or
 * after, never between.
 *
 * @param kind The run's kind and reason, recorded with its final status.
 */
export async function applyIncremental(
  run: Run,
  tx: TransactionSql,
  plan: Extract<RunPlan<DeltaObject>, { kind: "incremental" }>,
  kind: RunKind,
): Promise<void> {
  const { runId, connections, stop, summary } = run;
  using _cancel = await stop.cancelOnStop(tx, connections.log);
  stop.throwIfStopped();
  await tx.unsafe(await sqlText("runs/incremental_session"));
  await lockIncremental(tx, publishLocks(run));
  await applyDeltas(tx, loadStep(run), {
    deltas: plan.deltas,
    firstSourceId: plan.firstSourceId,
    listRows: plan.listRows,
    lookups: await publishedLookups(tx),
    maintainAggregates: true,
  });
  stop.throwIfStopped();
  summary.checks = await runQualityChecks(tx, runId, { kind: "incremental" });
  await storeChecks(connections.log, runId, summary.checks);
  stop.throwIfStopped();
  refuseFailedChecks({ runId, checks: summary.checks });
  const heldBack = await heldBackKept(tx);
  await finishRun(tx, runId, { status: "succeeded", plan: kind, heldBack });
}
