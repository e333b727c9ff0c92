// Owns the export that [EXPORT] TARGET adds to every successful run: after the publish, never
// undoing it; a failure is the export's own, recorded in etl.exports and reported, not the run's.
/**
 * @example What runEtl does after a run that published or skipped
 * ```ts ignore
 * import { exportAfterRun } from "./export_after_run.ts";
 * summary.export = await exportAfterRun(targets, summary, { progress });
 * ```
 */
import type { DbSettings, S3Settings } from "../config/settings.ts";
import { describeExportTarget, type ExportTarget } from "../config/export_target.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import type { Progress } from "../runtime/progress.ts";
import { exportRun, type ExportSummary } from "./export_run.ts";

/**
 * Exports the published run to `targets.exportTarget` after run `run.runId`. After a skipped run
 * (nothing new published) it exports only when etl.exports has no complete export of the published
 * run there, so that an export that failed is made up by the next run.
 *
 * @returns The export's summary; never throws: an export that could not even start (no published
 *   run, database gone) comes back failed with its code.
 */
export async function exportAfterRun(
  targets: { db: DbSettings; s3: S3Settings; exportTarget: ExportTarget },
  run: { runId: number; status: "succeeded" | "skipped" },
  options: { progress: Progress; signal?: AbortSignal },
): Promise<ExportSummary> {
  const started = performance.now();
  let summary: ExportSummary;
  try {
    summary = await exportRun({
      db: targets.db,
      target: targets.exportTarget,
      s3: targets.s3,
      trigger: "after-run",
      afterRunId: run.runId,
      skipIfRecorded: run.status === "skipped",
      progress: options.progress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    summary = {
      status: "failed",
      runId: run.runId,
      location: describeExportTarget(targets.exportTarget),
      files: 0,
      interactionRows: 0,
      animeRows: 0,
      bytes: 0,
      seconds: (performance.now() - started) / 1000,
      error: {
        code: error instanceof PipelineError ? error.code : "EXPORT_FAILED",
        message: errorMessage(error),
      },
    };
  }
  if (summary.status === "failed") {
    options.progress.event(
      `export:failed ${summary.location}: ${summary.error?.code}: ${summary.error?.message}; ` +
        `run ${run.runId} stays ${run.status} and the published data is unchanged`,
    );
  }
  return summary;
}
