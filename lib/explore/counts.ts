// Owns counting in frames: values, list items, duplicate rows and keys, list lengths, numbers.
import pl from "nodejs-polars";
import type { Bar } from "../report/display/bar_chart.ts";
import { isMissing, splitList } from "../transform/values.ts";

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
 *
 * @example Count anime types
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countValues } from "./counts.ts";
 * const frame = pl.DataFrame({ Type: ["TV", "Movie", "TV", null] });
 * assert.deepEqual(countValues(frame, "Type"), [
 *   { label: "TV", value: 2 }, { label: "(null)", value: 1 }, { label: "Movie", value: 1 },
 * ]);
 * ```
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
 *
 * @example Trimmed and untrimmed genre counts differ
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countListItems } from "./counts.ts";
 * const frame = pl.DataFrame({ Genres: ["Action, Comedy", "Comedy", "Unknown"] });
 * assert.equal(countListItems(frame, "Genres").length, 2);
 * assert.equal(countListItems(frame, "Genres", { split: (text) => text.split(",") }).length, 3);
 * ```
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
 *
 * @example One repeated row
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { countDuplicateRows } from "./counts.ts";
 * const frame = pl.DataFrame({ "": [0, 1, 2], user_id: [1, 1, 2], anime_id: [5, 5, 5] });
 * assert.equal(countDuplicateRows(frame), 1);
 * ```
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

/** What {@link findDuplicateKeys} found. */
export interface DuplicateKeys {
  /** Key columns examined. */
  key: string[];
  /** Distinct keys that occur more than once. */
  keys: number;
  /** Rows beyond the first for each such key: what a primary key would reject. */
  extraRows: number;
  /** Up to `examples` repeated keys with their row counts, most repeated first. */
  examples: Record<string, unknown>[];
}

/**
 * Groups rows by the key columns and reports keys that occur more than once.
 *
 * @param frame Any frame.
 * @param key Key columns, e.g. `["user_id", "anime_id"]`.
 * @param options `examples`: how many repeated keys to return; default 5.
 * @returns Counts and examples.
 *
 * @example A repeated MAL_ID
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { findDuplicateKeys } from "./counts.ts";
 * const frame = pl.DataFrame({ MAL_ID: ["1", "2", "2"], Name: ["a", "b", "c"] });
 * const found = findDuplicateKeys(frame, ["MAL_ID"]);
 * assert.ok(found.keys === 1 && found.extraRows === 1);
 * ```
 */
export function findDuplicateKeys(
  frame: pl.DataFrame,
  key: readonly string[],
  options: { examples?: number } = {},
): DuplicateKeys {
  const repeated = frame.groupBy([...key]).len().filter(pl.col("len").gt(1));
  const extraRows = repeated.height === 0
    ? 0
    : Number(repeated.getColumn("len").sum()) - repeated.height;
  const examples = repeated.sort(["len", ...key], [true, ...key.map(() => false)])
    .head(options.examples ?? 5).rename({ len: "rows" }).toRecords();
  return { key: [...key], keys: repeated.height, extraRows, examples };
}

/**
 * Counts rows per user with a polars group-by.
 *
 * @param list animelist.csv as a frame.
 * @param userColumn Column identifying the user; default `user_id`.
 * @returns One length per distinct user, in no particular order.
 *
 * @example Two users
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { listLengths } from "./counts.ts";
 * const list = pl.DataFrame({ user_id: [7, 7, 7, 9] });
 * assert.deepEqual([...listLengths(list)].sort(), [1, 3]);
 * ```
 */
export function listLengths(list: pl.DataFrame, userColumn = "user_id"): Float64Array {
  const lengths = list.groupBy(userColumn).len().getColumn("len").toArray() as number[];
  return Float64Array.from(lengths, Number);
}

/**
 * Casts a column to Float64 without failing: `Unknown`, empty and other text become null and are
 * left out. Use it for charts, not for loading: the loader quarantines text that does not parse.
 *
 * @param frame Any frame.
 * @param column Column name.
 * @returns The numbers, in row order.
 *
 * @example Scores without the Unknown ones
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { numericValues } from "./counts.ts";
 * const frame = pl.DataFrame({ Score: ["8.78", "Unknown", "7.5"] });
 * assert.deepEqual([...numericValues(frame, "Score")], [8.78, 7.5]);
 * ```
 */
export function numericValues(frame: pl.DataFrame, column: string): Float64Array {
  const numbers = frame.select(pl.col(column).cast(pl.Float64, false).alias("value"))
    .filter(pl.col("value").isNotNull()).getColumn("value").toArray() as number[];
  return Float64Array.from(numbers);
}

/** One line of notebook 02's duplicates table: exact repeats and repeated keys of one file. */
export interface DuplicateSummary {
  file: string;
  /** Rows equal to an earlier row in every column but the pandas index. */
  duplicate_rows: number;
  /** The key columns, joined by `, `. */
  key: string;
  /** Distinct keys claimed by more than one row. */
  repeated_keys: number;
  /** Rows beyond the first of each repeated key: what a primary key would reject. */
  rows_beyond_first: number;
}

/**
 * Summarises the duplicates of one frame: {@link countDuplicateRows} and {@link findDuplicateKeys}.
 *
 * @param file The file name shown, e.g. `anime.csv`.
 * @param frame The file's frame.
 * @param key Key columns, e.g. `["MAL_ID"]`.
 * @returns One table row.
 *
 * @example A title two anime share
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { summariseDuplicates } from "./counts.ts";
 * const anime = pl.DataFrame({ MAL_ID: ["1", "2"], Name: ["Hero", "Hero"] });
 * assert.deepEqual(summariseDuplicates("anime.csv", anime, ["Name"]), {
 *   file: "anime.csv", duplicate_rows: 0, key: "Name", repeated_keys: 1, rows_beyond_first: 1,
 * });
 * ```
 */
export function summariseDuplicates(
  file: string,
  frame: pl.DataFrame,
  key: readonly string[],
): DuplicateSummary {
  const found = findDuplicateKeys(frame, key, { examples: 0 });
  return {
    file,
    duplicate_rows: countDuplicateRows(frame),
    key: key.join(", "),
    repeated_keys: found.keys,
    rows_beyond_first: found.extraRows,
  };
}
