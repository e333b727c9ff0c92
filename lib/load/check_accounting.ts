// Owns the per-file gate of a run: rows and lines reconcile, and the quarantined share stays under
// the reject threshold.
/**
 * @example A file with one row in a thousand quarantined passes the default 1% threshold
 * ```ts
 * import { checkAccounting } from "./check_accounting.ts";
 * checkAccounting("k/anime.csv", {
 *   rowsRead: 1000, rowsLoaded: 999, rowsQuarantined: 1, rejectsByReason: { invalid_value: 1 },
 *   ignoredColumns: [], lines: { total: 1001, header: 1, loaded: 999, quarantined: 1, blank: 0 },
 * }, 0.01);
 * ```
 */
import { PipelineError } from "../errors.ts";
import type { FileLoadResult } from "./file_load.ts";

/**
 * Checks one loaded file. Neither the rows nor the lines quarantined may exceed the threshold: one
 * record that swallowed many lines fails the run as surely as many bad rows.
 *
 * @param sourceKey Named in errors.
 * @param rejectThreshold Largest share quarantined, 0 to 1.
 * @throws {PipelineError} `QUALITY_FAILED` when rows or lines do not reconcile, `REJECT_THRESHOLD`
 *   naming the counts, shares and reasons when too much was quarantined.
 */
export function checkAccounting(
  sourceKey: string,
  result: FileLoadResult,
  rejectThreshold: number,
): void {
  if (result.rowsRead !== result.rowsLoaded + result.rowsQuarantined) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot reconcile "${sourceKey}": read ${result.rowsRead} rows but loaded ${result.rowsLoaded} and quarantined ${result.rowsQuarantined}`,
      { stage: "load" },
    );
  }
  const lines = result.lines;
  if (lines.total !== lines.header + lines.loaded + lines.quarantined + lines.blank) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot reconcile the lines of "${sourceKey}": it has ${lines.total} lines but the header ` +
        `covers ${lines.header}, loaded rows ${lines.loaded}, quarantined rows ${lines.quarantined} ` +
        `and blank lines ${lines.blank}`,
      { stage: "load" },
    );
  }
  const dataLines = lines.loaded + lines.quarantined;
  const rowShare = result.rowsRead === 0 ? 0 : result.rowsQuarantined / result.rowsRead;
  const lineShare = dataLines === 0 ? 0 : lines.quarantined / dataLines;
  if (rowShare > rejectThreshold || lineShare > rejectThreshold) {
    const reasons = Object.entries(result.rejectsByReason).map(([reason, n]) => `${reason} ${n}`)
      .join(", ");
    const percent = (share: number) => `${(share * 100).toFixed(2)}%`;
    throw new PipelineError(
      "REJECT_THRESHOLD",
      `Cannot publish "${sourceKey}": ${result.rowsQuarantined} of ${result.rowsRead} rows ` +
        `(${percent(rowShare)}) covering ${lines.quarantined} of ${dataLines} lines ` +
        `(${percent(lineShare)}) quarantined, limit ${percent(rejectThreshold)}: ` +
        `${reasons}; see etl.rejects`,
      { stage: "load" },
    );
  }
}
