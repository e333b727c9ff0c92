// Owns counting a column's values into labelled counts, ready for a bar chart or a table.
/**
 * @example Count anime types
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countValues } from "./count_values.ts";
 * const frame = pl.DataFrame({ Type: ["TV", "Movie", "TV", null] });
 * assert.deepEqual(countValues(frame, "Type"), [
 *   { label: "TV", value: 2 }, { label: "(null)", value: 1 }, { label: "Movie", value: 1 },
 * ]);
 * ```
 */
import pl from "nodejs-polars";
import type { Bar } from "../report/bar_chart.ts";

/** Options of {@link countValues}. */
export interface CountValuesOptions {
  /** `count` (default): most frequent first, ties by label; `value`: by the value (numbers numerically), null last. */
  sort?: "count" | "value";
  /** Most rows returned, after sorting; default all. */
  limit?: number;
}

/**
 * Counts rows per distinct value of a column with a polars group-by. Null becomes the label
 * `(null)`.
 *
 * @param frame Any frame.
 * @param column Column name.
 * @returns `{ label, value }` pairs: the value as text and its row count.
 */
export function countValues(
  frame: pl.DataFrame,
  column: string,
  options: CountValuesOptions = {},
): Bar[] {
  const grouped = frame.select(pl.col(column).alias("key")).groupBy("key").len().toRecords() as {
    key: unknown;
    len: number;
  }[];
  const bars = grouped.map((row) => ({
    key: row.key,
    label: row.key === null || row.key === undefined ? "(null)" : String(row.key),
    value: Number(row.len),
  }));
  if (options.sort === "value") {
    bars.sort((a, b) => {
      if (a.key === null || a.key === undefined) return 1;
      if (b.key === null || b.key === undefined) return -1;
      return typeof a.key === "number" && typeof b.key === "number"
        ? a.key - b.key
        : a.label.localeCompare(b.label, "en", { numeric: true });
    });
  } else {
    bars.sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  }
  return bars.slice(0, options.limit ?? bars.length).map(({ label, value }) => ({ label, value }));
}
