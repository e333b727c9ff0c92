// Owns references between frames: fact values a dimension lacks, and codes named after it.
import pl from "nodejs-polars";
import type { Bar } from "../report/display/bar_chart.ts";

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
 *
 * @example A status code the dimension lacks
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { findMissingReferences } from "./references.ts";
 * const list = pl.DataFrame({ watching_status: [1, 2, 5, 5] });
 * const statuses = pl.DataFrame({ status: ["1", "2"] });
 * assert.deepEqual(findMissingReferences(list, "watching_status", statuses, "status"), [
 *   { value: "5", rows: 2 },
 * ]);
 * ```
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

/** Options of {@link labelCodes}. */
export interface LabelCodesOptions {
  /** The dimension's code column. */
  key: string;
  /** The dimension's name column. */
  name: string;
  /** Text for a code the dimension lacks; default `(not in the dimension)`. */
  missing?: string;
}

/**
 * Appends the dimension's name to each bar's code label (codes compared as trimmed text).
 *
 * @param bars Bars labelled with codes, e.g. from `countValues`.
 * @param dimension The frame defining the codes.
 * @returns New bars, same order and values.
 *
 * @example Name status codes, flagging one the dimension lacks
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { labelCodes } from "./references.ts";
 * const statuses = pl.DataFrame({ status: ["1", "2"], description: ["Currently Watching", "Completed"] });
 * const bars = labelCodes([{ label: "2", value: 9 }, { label: "5", value: 1 }], statuses, {
 *   key: "status", name: "description",
 * });
 * assert.deepEqual(bars.map((bar) => bar.label), ["2 Completed", "5 (not in the dimension)"]);
 * ```
 */
export function labelCodes(
  bars: readonly Bar[],
  dimension: pl.DataFrame,
  options: LabelCodesOptions,
): Bar[] {
  const names = new Map<string, string>();
  for (const row of dimension.toRecords()) {
    names.set(String(row[options.key] ?? "").trim(), String(row[options.name] ?? "").trim());
  }
  return bars.map((bar) => ({
    label: `${bar.label} ${
      names.get(bar.label.trim()) ?? options.missing ?? "(not in the dimension)"
    }`,
    value: bar.value,
  }));
}
