// Owns counting the items of a comma-separated list column (Genres, Studios) after splitting each cell.
/**
 * @example Trimmed and untrimmed genre counts differ
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countListItems } from "./count_list_items.ts";
 * const frame = pl.DataFrame({ Genres: ["Action, Comedy", "Comedy", "Unknown"] });
 * assert.equal(countListItems(frame, "Genres").length, 2);
 * assert.equal(countListItems(frame, "Genres", { split: (text) => text.split(",") }).length, 3);
 * ```
 */
import type pl from "nodejs-polars";
import type { Bar } from "../report/bar_chart.ts";
import { isMissing, splitList } from "../transform/values.ts";

/** Options of {@link countListItems}. */
export interface CountListItemsOptions {
  /**
   * How a cell is split into items; default the pipeline's `splitList` (split on commas, trim,
   * drop empty and repeated items), the same rule that fills `anime_genre`.
   */
  split?: (text: string) => string[];
}

/**
 * Counts, per item, the rows whose list contains it. Missing cells (`Unknown`, empty, null) are
 * skipped.
 *
 * @param frame A frame with the list column read as text.
 * @param column Column name, e.g. `Genres`.
 * @returns `{ label, value }` pairs, most frequent first, ties by label.
 */
export function countListItems(
  frame: pl.DataFrame,
  column: string,
  options: CountListItemsOptions = {},
): Bar[] {
  const split = options.split ?? splitList;
  const counts = new Map<string, number>();
  for (const cell of frame.getColumn(column).toArray() as (string | null)[]) {
    if (cell === null || isMissing(cell)) continue;
    for (const item of split(cell)) counts.set(item, (counts.get(item) ?? 0) + 1);
  }
  return [...counts].map(([label, value]) => ({ label, value }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}
