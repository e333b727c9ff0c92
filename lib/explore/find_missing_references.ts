// Owns finding values of a fact column that its dimension does not define (broken references).
/**
 * @example A status code the dimension lacks
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { findMissingReferences } from "./find_missing_references.ts";
 * const list = pl.DataFrame({ watching_status: [1, 2, 5, 5] });
 * const statuses = pl.DataFrame({ status: ["1", "2"] });
 * assert.deepEqual(findMissingReferences(list, "watching_status", statuses, "status"), [
 *   { value: "5", rows: 2 },
 * ]);
 * ```
 */
import pl from "nodejs-polars";

/** A value missing from the dimension and how many fact rows carry it. */
export interface MissingReference {
  value: string;
  rows: number;
}

/**
 * Anti-joins the fact column against the dimension's key, both compared as trimmed text (so `5`
 * read as a number matches `5` read as text; float columns are compared as whole numbers). Null, empty and `Unknown` facts are not references
 * and are not reported: the loader stores them as NULL.
 *
 * @param facts The referencing frame, e.g. animelist.csv.
 * @param column Its referencing column, e.g. `watching_status`.
 * @param dimension The referenced frame, e.g. watching_status.csv.
 * @param key The dimension's key column, e.g. `status`.
 * @returns Missing values, most rows first, ties by value.
 */
export function findMissingReferences(
  facts: pl.DataFrame,
  column: string,
  dimension: pl.DataFrame,
  key: string,
): MissingReference[] {
  // Whole numbers held as floats (JavaScript numbers) compare as integers: 5, not "5.0".
  const asKey = (frame: pl.DataFrame, name: string) => {
    const floats = String(frame.getColumn(name).dtype).includes("Float");
    const value = floats ? pl.col(name).cast(pl.Int64) : pl.col(name);
    return value.cast(pl.Utf8).str.strip().alias("value");
  };
  const wanted = facts.select(asKey(facts, column)).filter(
    pl.col("value").isNotNull().and(pl.col("value").eq(pl.lit("")).not())
      .and(pl.col("value").str.toLowerCase().eq(pl.lit("unknown")).not()),
  );
  const known = dimension.select(asKey(dimension, key)).unique();
  const missing = wanted.join(known, { on: "value", how: "anti" }).groupBy("value").len()
    .toRecords() as { value: string; len: number }[];
  return missing.map((row) => ({ value: row.value, rows: Number(row.len) }))
    .sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value, "en", { numeric: true }));
}
