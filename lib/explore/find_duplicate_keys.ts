// Owns finding keys that more than one row claims, such as a (user_id, anime_id) pair listed twice.
/**
 * @example A repeated MAL_ID
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { findDuplicateKeys } from "./find_duplicate_keys.ts";
 * const frame = pl.DataFrame({ MAL_ID: ["1", "2", "2"], Name: ["a", "b", "c"] });
 * const found = findDuplicateKeys(frame, ["MAL_ID"]);
 * assert.ok(found.keys === 1 && found.extraRows === 1);
 * ```
 */
import pl from "nodejs-polars";

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
