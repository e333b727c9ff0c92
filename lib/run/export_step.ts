// Owns the step after a run: its export, when [EXPORT] TARGET is set.
import type { EtlTargets } from "../config/settings.ts";
import type { Progress } from "../runtime/progress.ts";
import type { RunEtlOptions } from "./run_context.ts";
import type { RunSummary } from "./run_summary.ts";

// Export: with [EXPORT] TARGET, the published run as Parquet, after the run lock is released (the
// export reads through a snapshot of its own, and the next run need not wait for it). After a
// failed run nothing new was published; a failed export is the export's own, never the run's.
export async function exportStep(
  targets: EtlTargets,
  options: RunEtlOptions,
  progress: Progress,
  summary: RunSummary,
): Promise<void> {
  if (targets.exportTarget === undefined || summary.status === "failed") return;
  // Loaded only for an export: its Parquet writer (nodejs-polars, a native library) would add its
  // load time to every run's start, an incremental run's included.
  const { exportAfterRun } = await import("../export/export_after_run.ts");
  summary.export = await exportAfterRun(
    { ...targets, exportTarget: targets.exportTarget },
    { runId: summary.runId, status: summary.status },
    { progress, ...(options.signal ? { signal: options.signal } : {}) },
  );
}
