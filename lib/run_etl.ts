// Owns one pipeline run, as named steps: lock, list, plan (skip, deltas only, dimensions, or load),
// stage, load each file, verify, publish; and the run's record of each.
/**
 * @example Run against configured targets
 * ```ts ignore
 * import { runEtl } from "./run_etl.ts";
 * const summary = await runEtl(targets, { force: false });
 * console.log(summary.status, summary.runId);
 * ```
 */
import type { TransactionSql } from "postgres";
import type { EtlTargets } from "./config/settings.ts";
import { checkReachable } from "./db/check_reachable.ts";
import { migrate } from "./db/migrate.ts";
import { openRunConnections } from "./db/run_connections.ts";
import { describePriority, lowerRunPriority } from "./db/run_priority.ts";
import { createS3Client } from "./extract/s3_client.ts";
import type { SourceObject } from "./extract/source_objects.ts";
import { linkStarSchema, stageStarSchema } from "./load/stage_star_schema.ts";
import { aggregatesFromCounts } from "./load/build_aggregates.ts";
import { publishRun } from "./publish/publish_run.ts";
import { runQualityChecks } from "./quality/run_checks.ts";
import { loadSources } from "./run/load_sources.ts";
import { listSources, startListing } from "./run/list_sources.ts";
import { exportStep } from "./run/export_step.ts";
import { loadStep, publishLocks, type Run, type RunEtlOptions } from "./run/run_context.ts";
import { planRun } from "./run/plan_run.ts";
import { recordSource } from "./run/apply_deltas.ts";
import { DeltaReplay } from "./run/replay_deltas.ts";
import type { DeltaObject } from "./extract/delta_objects.ts";
import { SNAPSHOT_SOURCE_ID } from "./load/load_anime_list.ts";
import { clearHeldBack } from "./load/held_back_rows.ts";
import { applyDimensionChanges } from "./run/update_dimensions.ts";
import { applyIncremental } from "./run/apply_incremental.ts";
import { describeFailure, recordFailure } from "./run/run_failure.ts";
import { acquireRunLock } from "./run/run_lock.ts";
import {
  abandonStaleRuns,
  finishListSource,
  finishRun,
  recordFile,
  startRun,
  storeChecks,
} from "./run/run_log.ts";
import { refuseIfStopped, RunStop } from "./run/run_stop.ts";
import type { RunSummary } from "./run/run_summary.ts";
import { errorMessage } from "./errors.ts";
import { createProgress, type Progress } from "./runtime/progress.ts";

export type { FileSummary, RunSummary } from "./run/run_summary.ts";
export type { RunEtlOptions } from "./run/run_context.ts";

/**
 * Runs the pipeline once. Nothing is published unless every file loaded within its reject
 * threshold and every blocking quality check passed; the previous tables stay readable throughout.
 *
 * @returns The run's summary; `status: "failed"` carries the error (the run is recorded as failed).
 * @throws {PipelineError} Before a run exists: `DB_UNREACHABLE`, `DB_INCOMPATIBLE`, `RUN_LOCKED`,
 *   `INTERRUPTED` (stopped before the run started).
 */
export async function runEtl(
  targets: EtlTargets,
  options: RunEtlOptions = {},
): Promise<RunSummary> {
  const progress = options.progress ?? createProgress({ mode: "quiet" });
  const summary = await runLocked(targets, options, progress);
  await exportStep(targets, options, progress, summary);
  return summary;
}

// Lock, list, plan, stage, load each file, verify, publish: everything under the run lock.
async function runLocked(
  targets: EtlTargets,
  options: RunEtlOptions,
  progress: Progress,
): Promise<RunSummary> {
  refuseIfStopped(options.signal);
  await using connections = openRunConnections(targets.db, {
    connectTimeoutSeconds: options.connectTimeoutSeconds ?? 10,
  });
  const s3 = createS3Client(targets.s3);
  using _s3 = { [Symbol.dispose]: () => s3.destroy() };
  await checkReachable(connections.log, targets.db, "load");
  // Once the database answers (S3 is not touched before), the bucket is listed while the run
  // checks its migrations, connects its other sessions and takes its lock (run/list_sources.ts).
  await using listing = startListing(s3, targets, options, progress);
  // The run's own two sessions connect (authentication, type lookup) while the migrations are
  // checked, instead of each on its first statement; a failure to connect shows on that statement.
  const connected = Promise.allSettled([connections.lock`select 1`, connections.load`select 1`]);
  await migrate(connections.log);
  await connected;
  await using _lock = await acquireRunLock(connections.lock);
  // Readers first: the run's own CPU and I/O yield to analysts' queries (lib/db/run_priority.ts).
  await using priority = await lowerRunPriority({
    nice: targets.limits.priority,
    sessions: [connections.load, connections.lock],
    poll: connections.log,
  });
  progress.event(`run:priority ${describePriority(priority.report)}`);
  const started = performance.now();
  const runId = await startRun(connections.log, {
    trigger: options.trigger ?? "manual",
    forced: options.force ?? false,
  });
  for (const stale of await abandonStaleRuns(connections.log, runId)) {
    progress.event(`run:abandoned run ${stale} was left running; marked failed`);
  }
  const summary: RunSummary = {
    runId,
    status: "failed",
    files: [],
    checks: [],
    seconds: 0,
    bytesRead: 0,
    priority: priority.report,
  };
  const stop = new RunStop(runId, options.signal);
  const run: Run = { runId, targets, options, connections, s3, progress, stop, summary };
  try {
    const { snapshot, deltas } = await listSources(run, listing);
    const plan = await planRun(connections.log, snapshot, deltas, {
      force: options.force ?? false,
    });
    summary.kind = plan.kind;
    summary.reason = plan.reason;
    if (plan.kind === "skipped") {
      await finishRun(connections.log, runId, { status: "skipped", plan });
      summary.status = "skipped";
      progress.event(`run:skipped run ${runId}: ${plan.reason} (use --force)`);
    } else {
      progress.event(
        `run:${plan.kind === "full" ? "full refresh" : "incremental run"} ${runId}: ${plan.reason}`,
      );
      for (const delta of plan.deltas) await recordFile(connections.log, runId, delta);
      if (plan.kind === "full") {
        await connections.transaction((tx) => loadAndPublish(run, tx, snapshot, plan.deltas));
      } else {
        await connections.transaction((tx) =>
          plan.dimensions
            ? applyDimensionChanges(run, tx, plan, snapshot)
            : applyIncremental(run, tx, plan, runKind(summary))
        );
      }
      summary.status = "succeeded";
      progress.event(`run:published run ${runId}`);
    }
  } catch (caught) {
    summary.error = describeFailure(caught, { runId, stop, connectionLost: connections.signal });
    try {
      const plan = summary.kind ? { kind: summary.kind, reason: summary.reason ?? "" } : undefined;
      await recordFailure(connections.log, runId, summary.error, plan);
    } catch (unrecorded) {
      summary.unrecorded = errorMessage(unrecorded);
    }
  }
  summary.bytesRead = summary.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

// Stage, load each file, verify, publish: one transaction, so readers see all of it or none.
async function loadAndPublish(
  run: Run,
  tx: TransactionSql,
  sources: SourceObject[],
  deltas: DeltaObject[],
): Promise<void> {
  const { runId, connections, stop, summary } = run;
  using _cancel = await stop.cancelOnStop(tx, connections.log);
  stop.throwIfStopped();
  await stageStarSchema(tx);
  await clearHeldBack(tx);
  const step = loadStep(run);
  // The deltas are replayed in one pass around the list's COPY, before its key (run/replay_deltas.ts).
  const replay = new DeltaReplay(step, deltas, SNAPSHOT_SOURCE_ID + 1);
  await loadSources(tx, {
    ...step,
    sources,
    ...(deltas.length > 0
      ? {
        listReplay: {
          stage: (lookups) => replay.stage(tx, lookups),
          apply: (tally) => replay.apply(tx, tally),
        },
      }
      : {}),
  });
  const list = summary.files.find((file) => file.file === "animelist.csv")!;
  await recordSource(tx, list, SNAPSHOT_SOURCE_ID);
  await finishListSource(connections.log, runId, list.file, {
    sourceId: SNAPSHOT_SOURCE_ID,
    listRows: list.rowsLoaded,
  });
  await replay.finish(tx, list.rowsLoaded);
  stop.throwIfStopped();
  const aggregates = await aggregatesFromCounts(tx, "etl_stage");
  summary.aggregatesSeconds = aggregates.seconds;
  run.progress.event(`load:aggregates built in ${aggregates.seconds.toFixed(1)} s`);
  stop.throwIfStopped();
  await linkStarSchema(tx);
  summary.checks = await runQualityChecks(tx, runId);
  await storeChecks(connections.log, runId, summary.checks);
  stop.throwIfStopped();
  await publishRun(tx, { runId, checks: summary.checks }, publishLocks(run));
  await finishRun(tx, runId, { status: "succeeded", plan: runKind(summary), heldBack: true });
}

function runKind(summary: RunSummary): { kind: "full" | "incremental"; reason: string } {
  return { kind: summary.kind === "incremental" ? "incremental" : "full", reason: summary.reason! };
}
