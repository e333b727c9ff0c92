// Owns the notebooks' export: the published run exported, read back with polars and reconciled.
/**
 * @example Notebook 04's last cell
 * ```ts ignore
 * import { exportAndReconcile } from "./export_and_reconcile.ts";
 * const { summary, figures } = await exportAndReconcile(session.targets, session.sql);
 * ```
 */
import type { Sql } from "postgres";
import type { DbSettings, S3Settings } from "../config/settings.ts";
import type { ExportTarget } from "../config/export_target.ts";
import { exportRun, type ExportSummary } from "./export_run.ts";
import { type Manifest, parseManifest } from "./manifest.ts";
import { type ReconciledFigure, reconcileExport } from "./reconcile_export.ts";
import { type TimeSplit, timeSplitCounts } from "./time_split.ts";

/** What {@link exportAndReconcile} found. */
export interface ReconciledExport {
  summary: ExportSummary;
  /** The export's manifest.json (absent when the export failed). */
  manifest?: Manifest;
  /** The export read back with polars next to the published tables (empty when it failed). */
  figures: ReconciledFigure[];
  /** True when the export went to a temporary folder, removed since. */
  temporary: boolean;
  /**
   * With `timeSplit`, the split counted on the export before it is removed; undefined when it was
   * not asked for, the export failed, or its interactions have fewer than two as_of dates to
   * choose D from (and no `day` was given).
   */
  split?: TimeSplit;
}

/** Options of {@link exportAndReconcile}. */
export interface ExportAndReconcileOptions {
  /** Count a time-based split of the export (`timeSplitCounts`), at `day` or the default D. */
  timeSplit?: { day?: string };
}

/**
 * Exports the published run to `[EXPORT] TARGET` when it is a folder, else to a temporary folder
 * (removed afterwards), reads it back with polars and reconciles it with the published tables.
 * An `s3://` target is exported to, but read back from a temporary folder export of the same run,
 * which is byte-identical.
 */
export async function exportAndReconcile(
  targets: { db: DbSettings; s3: S3Settings; exportTarget?: ExportTarget },
  sql: Sql,
  options: ExportAndReconcileOptions = {},
): Promise<ReconciledExport> {
  const configured = targets.exportTarget;
  if (configured?.kind === "directory") {
    return await readBack(targets, sql, configured.path, false, options);
  }
  if (configured) {
    const summary = await exportRun({ db: targets.db, s3: targets.s3, target: configured });
    if (summary.status === "failed") return { summary, figures: [], temporary: false };
  }
  const folder = await Deno.makeTempDir({ prefix: "anime-export-" });
  try {
    return await readBack(targets, sql, folder, true, options);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

async function readBack(
  targets: { db: DbSettings; s3: S3Settings },
  sql: Sql,
  folder: string,
  temporary: boolean,
  options: ExportAndReconcileOptions,
): Promise<ReconciledExport> {
  const summary = await exportRun({
    db: targets.db,
    s3: targets.s3,
    target: { kind: "directory", path: folder },
  });
  if (summary.status === "failed") return { summary, figures: [], temporary };
  const location = `${folder}/run=${summary.runId}`;
  const manifest = parseManifest(await Deno.readTextFile(`${location}/manifest.json`), location);
  const figures = await reconcileExport(sql, location);
  const split = options.timeSplit ? countSplit(location, options.timeSplit.day) : undefined;
  return { summary, manifest, figures, temporary, ...(split ? { split } : {}) };
}

function countSplit(location: string, day: string | undefined): TimeSplit | undefined {
  try {
    return timeSplitCounts(location, day);
  } catch (error) {
    // Fewer than two dates to choose D from: nothing to split yet, which the notebook says.
    if (day === undefined && error instanceof Error && /choose a split day/.test(error.message)) {
      return undefined;
    }
    throw error;
  }
}
