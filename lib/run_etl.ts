// Owns one pipeline run, as named steps: lock, list, plan (skip or load), stage, load each file,
// verify, publish; and the run's record of each.
/**
 * @example Run against configured targets
 * ```ts ignore
 * import { runEtl } from "./run_etl.ts";
 * const summary = await runEtl(targets, { force: false });
 * console.log(summary.status, summary.runId);
 * ```
 */
import type { TransactionSql } from "postgres";
import type { S3Client } from "@aws-sdk/client-s3";
import type { EtlTargets } from "./config/settings.ts";
import { checkReachable } from "./db/check_reachable.ts";
import { migrate } from "./db/migrate.ts";
import { openRunConnections, type RunConnections } from "./db/run_connections.ts";
import { createS3Client } from "./extract/s3_client.ts";
import { findSourceObjects, type SourceObject } from "./extract/source_objects.ts";
import { linkStarSchema, stageStarSchema } from "./load/stage_star_schema.ts";
import { publishRun, refuseFailedChecks } from "./publish/publish_run.ts";
import { runQualityChecks } from "./quality/run_checks.ts";
import { exportAfterRun } from "./export/export_after_run.ts";
import { loadSources, type LoadStep } from "./run/load_sources.ts";
import { planRun, type RunPlan } from "./run/plan_run.ts";
import { applyDeltas, recordSource } from "./run/apply_deltas.ts";
import { type DeltaObject, findDeltaObjects } from "./extract/delta_objects.ts";
import { publishedLookups, referenceLookups, SNAPSHOT_SOURCE_ID } from "./load/load_anime_list.ts";
import { sqlText } from "./db/sql_files.ts";
import { describeFailure, recordFailure } from "./run/run_failure.ts";
import { acquireRunLock } from "./run/run_lock.ts";
import {
  abandonStaleRuns,
  finishListSource,
  finishRun,
  recordFile,
  recordRunKind,
  startRun,
  storeChecks,
} from "./run/run_log.ts";
import { refuseIfStopped, RunStop } from "./run/run_stop.ts";
import type { RunSummary } from "./run/run_summary.ts";
import { errorMessage } from "./errors.ts";
import { createProgress, type Progress } from "./runtime/progress.ts";

export type { FileSummary, RunSummary } from "./run/run_summary.ts";

/** Options of {@link runEtl}. */
export interface RunEtlOptions {
  /** Load even when every source ETag equals the last published run's; default false. */
  force?: boolean;
  /** Recorded in etl.runs.trigger; default `manual`. */
  trigger?: string;
  /** Progress reporter; default quiet. */
  progress?: Progress;
  /** Seconds to wait for PostgreSQL to accept a connection; default 10. */
  connectTimeoutSeconds?: number;
  /**
   * S3 retries: attempts per request without progress (default 8) and the first backoff delay in
   * milliseconds (default 250, doubled per attempt, full jitter).
   */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
  /**
   * A stop request: the run stops where it is, rolls back and is recorded as failed with
   * `INTERRUPTED` (its reason, e.g. `stopped by SIGTERM`, is named in the message).
   */
  signal?: AbortSignal;
}

/** What the steps of one run share. */
interface Run {
  runId: number;
  targets: EtlTargets;
  options: RunEtlOptions;
  connections: RunConnections;
  s3: S3Client;
  progress: Progress;
  stop: RunStop;
  summary: RunSummary;
}

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
  await migrate(connections.log);
  await using _lock = await acquireRunLock(connections.lock);
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
  };
  const stop = new RunStop(runId, options.signal);
  const run: Run = { runId, targets, options, connections, s3, progress, stop, summary };
  try {
    const { snapshot, deltas } = await listSources(run);
    const plan = await planRun(connections.log, snapshot, deltas, {
      force: options.force ?? false,
    });
    summary.kind = plan.kind;
    summary.reason = plan.reason;
    await recordRunKind(connections.log, runId, plan);
    if (plan.kind === "skipped") {
      await finishRun(connections.log, runId, { status: "skipped" });
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
        await connections.transaction((tx) => applyIncremental(run, tx, plan));
      }
      summary.status = "succeeded";
      progress.event(`run:published run ${runId}`);
    }
  } catch (caught) {
    summary.error = describeFailure(caught, { runId, stop, connectionLost: connections.signal });
    try {
      await recordFailure(connections.log, runId, summary.error);
    } catch (unrecorded) {
      summary.unrecorded = errorMessage(unrecorded);
    }
  }
  summary.bytesRead = summary.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

// Export: with [EXPORT] TARGET, the published run as Parquet, after the run lock is released (the
// export reads through a snapshot of its own, and the next run need not wait for it). After a
// failed run nothing new was published; a failed export is the export's own, never the run's.
async function exportStep(
  targets: EtlTargets,
  options: RunEtlOptions,
  progress: Progress,
  summary: RunSummary,
): Promise<void> {
  if (targets.exportTarget === undefined || summary.status === "failed") return;
  summary.export = await exportAfterRun(
    { ...targets, exportTarget: targets.exportTarget },
    { runId: summary.runId, status: summary.status },
    { progress, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

// List: the snapshot's objects, recorded before anything is read from them, and the deltas (each
// recorded once the plan applies it).
async function listSources(
  run: Run,
): Promise<{ snapshot: SourceObject[]; deltas: DeltaObject[] }> {
  const { targets, progress, stop } = run;
  const listing = {
    stallTimeoutMs: targets.limits.stallTimeoutSeconds * 1000,
    ...run.options.retry,
    onRetry: ({ attempt, reason }: { attempt: number; reason: string }) =>
      progress.event(`extract:retry listing attempt ${attempt}: ${reason}`),
  };
  const snapshot = await stop.race(findSourceObjects(run.s3, targets.s3, listing));
  const deltas = await stop.race(findDeltaObjects(run.s3, targets.s3, listing));
  for (const source of snapshot) await recordFile(run.connections.log, run.runId, source);
  stop.throwIfStopped();
  return { snapshot, deltas };
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
  const step = loadStep(run);
  const keys = await loadSources(tx, { ...step, sources });
  const list = summary.files.find((file) => file.file === "animelist.csv")!;
  await recordSource(tx, list, SNAPSHOT_SOURCE_ID);
  await finishListSource(connections.log, runId, list.file, {
    sourceId: SNAPSHOT_SOURCE_ID,
    listRows: list.rowsLoaded,
  });
  await applyDeltas(tx, step, {
    deltas,
    firstSourceId: SNAPSHOT_SOURCE_ID + 1,
    listRows: list.rowsLoaded,
    lookups: referenceLookups(keys.get("anime_id")!, keys.get("watching_status")!),
  });
  stop.throwIfStopped();
  await linkStarSchema(tx);
  summary.checks = await runQualityChecks(tx, runId);
  await storeChecks(connections.log, runId, summary.checks);
  stop.throwIfStopped();
  await publishRun(tx, { runId, checks: summary.checks });
  await finishRun(tx, runId, { status: "succeeded" });
}

// Apply only the new deltas to the published tables in place, check them from the ledger, and
// commit with their ledger rows: readers see the list before or after, never between.
async function applyIncremental(
  run: Run,
  tx: TransactionSql,
  plan: Extract<RunPlan<DeltaObject>, { kind: "incremental" }>,
): Promise<void> {
  const { runId, connections, stop, summary } = run;
  using _cancel = await stop.cancelOnStop(tx, connections.log);
  stop.throwIfStopped();
  await tx.unsafe(await sqlText("runs/incremental_session"));
  await applyDeltas(tx, loadStep(run), {
    deltas: plan.deltas,
    firstSourceId: plan.firstSourceId,
    listRows: plan.listRows,
    lookups: await publishedLookups(tx),
  });
  stop.throwIfStopped();
  summary.checks = await runQualityChecks(tx, runId, { kind: "incremental" });
  await storeChecks(connections.log, runId, summary.checks);
  stop.throwIfStopped();
  refuseFailedChecks({ runId, checks: summary.checks });
  await finishRun(tx, runId, { status: "succeeded" });
}

function loadStep(run: Run): Omit<LoadStep, "sources"> {
  return {
    runId: run.runId,
    connections: run.connections,
    s3: run.s3,
    limits: run.targets.limits,
    progress: run.progress,
    stop: run.stop,
    retry: run.options.retry ?? {},
    files: run.summary.files,
  };
}
