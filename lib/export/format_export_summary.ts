// Owns the line an export ends with, in `deno task export` and in the summary of `deno task etl`.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatExportSummary } from "./format_export_summary.ts";
 * assert.equal(
 *   formatExportSummary({
 *     status: "succeeded", runId: 12, location: "exports/run=12", files: 5,
 *     interactionRows: 7_968_000, animeRows: 17_562, bytes: 51_230_000, seconds: 8.14,
 *   }),
 *   "export run 12: succeeded in 8.1 s: exports/run=12, 5 files, 7,968,000 interactions, " +
 *     "17,562 anime, 51.2 MB",
 * );
 * ```
 */
import type { ExportSummary } from "./export_run.ts";
import { countText } from "../runtime/count_text.ts";

const count = countText;

/** One line: status, time, location and what it holds, or why it was skipped or failed. */
export function formatExportSummary(summary: ExportSummary): string {
  const head = `export run ${summary.runId}: ${summary.status} in ${summary.seconds.toFixed(1)} s`;
  if (summary.status === "failed") {
    return `${head}: ${summary.location}: ${summary.error?.code}: ${summary.error?.message}`;
  }
  const holds = `${summary.location}, ${summary.files} files, ${
    count(summary.interactionRows)
  } interactions, ${count(summary.animeRows)} anime, ${(summary.bytes / 1e6).toFixed(1)} MB`;
  return summary.status === "skipped" && summary.note
    ? `${head}: ${summary.note}`
    : `${head}: ${holds}`;
}
