// Owns the export's rows in etl.exports: started as running, finished with its own status.
/**
 * @example
 * ```ts ignore
 * import { finishExport, startExport } from "./record_export.ts";
 * const exportId = await startExport(sql, { runId: 12, trigger: "manual", location: "exports/run=12" });
 * await finishExport(sql, exportId, { status: "failed", error: "EXPORT_TARGET: ..." });
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/** What started an export: `deno task export`, or `[EXPORT] TARGET` after a run. */
export type ExportTrigger = "manual" | "after-run";

/** How an export ended. */
export type ExportStatus = "succeeded" | "skipped" | "failed";

/** What a finished export wrote; all absent for one that failed before writing. */
export interface ExportOutcome {
  status: ExportStatus;
  files?: number;
  interactionRows?: number;
  animeRows?: number;
  bytes?: number;
  manifestSha256?: string;
  /** `CODE: message` of a failure. */
  error?: string;
}

/**
 * Records an export of run `runId` as running, and marks running exports whose process died as
 * failed (`ABANDONED`).
 *
 * @returns The export's id.
 */
export async function startExport(
  sql: Sql,
  started: { runId: number; afterRunId?: number; trigger: ExportTrigger; location: string },
): Promise<number> {
  const [row] = await sql.unsafe<{ export_id: number }[]>(await sqlText("export/start_export"), [
    started.runId,
    started.afterRunId ?? null,
    started.trigger,
    started.location,
  ]);
  const exportId = row!.export_id;
  await sql.unsafe(await sqlText("export/abandon_stale_exports"), [exportId]);
  return exportId;
}

/** Finishes a running export with its outcome. */
export async function finishExport(
  sql: Sql,
  exportId: number,
  outcome: ExportOutcome,
): Promise<void> {
  await sql.unsafe(await sqlText("export/finish_export"), [
    exportId,
    outcome.status,
    outcome.files ?? null,
    outcome.interactionRows ?? null,
    outcome.animeRows ?? null,
    outcome.bytes ?? null,
    outcome.manifestSha256 ?? null,
    outcome.error ?? null,
  ]);
}
