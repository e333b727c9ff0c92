// Owns counting rows that repeat an earlier row exactly (the pandas index column aside).
/**
 * @example One repeated row
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countDuplicateRows } from "./count_duplicate_rows.ts";
 * const frame = pl.DataFrame({ "": [0, 1, 2], user_id: [1, 1, 2], anime_id: [5, 5, 5] });
 * assert.equal(countDuplicateRows(frame), 1);
 * ```
 */
import type pl from "nodejs-polars";

/** Options of {@link countDuplicateRows}. */
export interface CountDuplicateRowsOptions {
  /** Columns left out of the comparison; default the pandas index column (empty name), if present. */
  ignore?: readonly string[];
}

/**
 * Counts extra copies: rows equal in every compared column to an earlier row.
 *
 * @param frame Any frame.
 * @returns Rows minus distinct rows (0 when no row repeats).
 */
export function countDuplicateRows(
  frame: pl.DataFrame,
  options: CountDuplicateRowsOptions = {},
): number {
  const ignore = new Set(options.ignore ?? [""]);
  const compared = frame.columns.filter((column) => !ignore.has(column));
  const subset = frame.select(...compared);
  return subset.height - subset.unique().height;
}
