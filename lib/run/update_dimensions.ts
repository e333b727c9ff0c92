// Owns the run on changed dimension files only: rebuild the dimensions from their files, bring the
// published ones to them in place, reconcile anime_list set-based (never reloaded), apply any new
// deltas, check and commit, all in one transaction.
/**
 * @example The transaction of a run whose plan names changed dimensions
 * ```ts ignore
 * import { applyDimensionChanges } from "./update_dimensions.ts";
 * await connections.transaction((tx) => applyDimensionChanges(run, tx, plan, snapshot));
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { SourceObject } from "../extract/source_objects.ts";
import { referenceLookups } from "../load/load_anime_list.ts";
import { reconcileFacts } from "../load/reconcile_facts.ts";
import { stageStarSchema } from "../load/stage_star_schema.ts";
import { refuseFailedChecks } from "../publish/publish_run.ts";
import { runQualityChecks } from "../quality/run_checks.ts";
import { applyDeltas } from "./apply_deltas.ts";
import { loadSources } from "./load_sources.ts";
import type { RunPlan } from "./plan_run.ts";
import { loadStep, publishLocks, type Run } from "./run_context.ts";
import { lockIncremental } from "../publish/publish_locks.ts";
import { finishListSource, finishRun, storeChecks } from "./run_log.ts";
import type { DeltaObject } from "../extract/delta_objects.ts";

/**
 * Rebuilds the dimensions from all three dimension files in etl_stage, updates the published ones
 * in place from them and reconciles the facts and their aggregates (lib/load/reconcile_facts.ts),
 * then applies the new deltas against the rebuilt dimensions, runs the quality checks that do not
 * read the fact table (`dimensions`: the list's count from the aggregates against the ledger's) and
 * commits: readers see all of it at the commit, or nothing. Nothing here reads the whole fact
 * table but the removal of the facts of a removed key, when the aggregates say it has some.
 *
 * @param plan An incremental plan with `dimensions` set.
 * @param snapshot The four snapshot objects listed now (animelist.csv is not read).
 */
export async function applyDimensionChanges(
  run: Run,
  tx: TransactionSql,
  plan: Extract<RunPlan<DeltaObject>, { kind: "incremental" }>,
  snapshot: readonly SourceObject[],
): Promise<void> {
  const { runId, connections, stop, summary } = run;
  using _cancel = await stop.cancelOnStop(tx, connections.log);
  stop.throwIfStopped();
  await stageStarSchema(tx);
  // The published list and aggregates it writes, as an incremental run takes them (short attempts).
  await lockIncremental(tx, publishLocks(run));
  const step = loadStep(run);
  const dimensions = snapshot.filter((source) => source.file !== "animelist.csv");
  const keys = await loadSources(tx, { ...step, sources: dimensions });
  stop.throwIfStopped();
  const reconciled = await reconcileFacts(tx, runId);
  await tx.unsafe(await sqlText("dimensions/drop_staging"));
  const listRows = plan.listRows - reconciled.removed + reconciled.admitted - reconciled.replaced;
  summary.reconciled = { ...reconciled, listRows };
  await finishListSource(connections.log, runId, "animelist.csv", {
    sourceId: plan.firstSourceId - 1,
    listRows,
    delta: {
      sourceId: plan.firstSourceId - 1,
      inserted: reconciled.admitted - reconciled.replaced,
      updated: reconciled.replaced,
      removed: 0,
      absentRemovals: 0,
      superseded: 0,
      displaced: reconciled.removed,
      listRows,
    },
  });
  // The reconciliation changed anime_stats and anime_status_stats by its own rows; genre_stats
  // follows them and the new anime_genre.
  await tx.unsafe(await sqlText("star/build_genre_stats"));
  await applyDeltas(tx, step, {
    deltas: plan.deltas,
    firstSourceId: plan.firstSourceId,
    listRows,
    lookups: referenceLookups(keys.get("anime_id")!, keys.get("watching_status")!),
    // Each delta changes the aggregates by its own rows, as in an incremental run.
    maintainAggregates: true,
  });
  stop.throwIfStopped();
  summary.checks = await runQualityChecks(tx, runId, { kind: "dimensions" });
  await storeChecks(connections.log, runId, summary.checks);
  stop.throwIfStopped();
  refuseFailedChecks({ runId, checks: summary.checks });
  await tx.unsafe(await sqlText("dimensions/analyze"));
  await finishRun(tx, runId, {
    status: "succeeded",
    plan: { kind: "incremental", reason: plan.reason },
    heldBack: true,
  });
}
