// Owns picking telling example values of a column: the most frequent value of each shape it takes.
/**
 * @example Examples of each shape, most frequent first
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { sampleValues } from "./sample_values.ts";
 * const frame = pl.DataFrame({ Episodes: ["12", "Unknown", "12", "24.0", "1"] });
 * assert.deepEqual(sampleValues(frame, "Episodes", { limit: 3 }), ["12", "24.0", "Unknown"]);
 * ```
 */
import pl from "nodejs-polars";

/** Options of {@link sampleValues}. */
export interface SampleValuesOptions {
  /** Values returned at most; default 6. */
  limit?: number;
}

const SHAPES: [string, RegExp][] = [
  ["missing", /^\s*(unknown)?\s*$/i],
  ["integer", /^[+-]?\d+$/],
  ["integer written as float", /^[+-]?\d+\.0+$/],
  ["decimal", /^[+-]?\d+\.\d+$/],
  ["list", /,/],
  ["padded", /^\s|\s$/],
];

/**
 * Returns the most frequent value of every shape the column holds (missing, integer, integer
 * written as float, decimal, comma-separated list, padded with spaces, other text), then fills up
 * with the next most frequent values. Nulls are left out.
 *
 * @param frame A frame read as text.
 * @param column Column name.
 * @returns Distinct values as written in the file.
 */
export function sampleValues(
  frame: pl.DataFrame,
  column: string,
  options: SampleValuesOptions = {},
): string[] {
  const limit = options.limit ?? 6;
  const counted = (frame.select(pl.col(column).cast(pl.Utf8).alias("value")).filter(
    pl.col("value").isNotNull(),
  ).groupBy("value").len().toRecords() as { value: string; len: number }[])
    .sort((a, b) => Number(b.len) - Number(a.len) || a.value.localeCompare(b.value));
  const shapeOf = (value: string) =>
    SHAPES.find(([, pattern]) => pattern.test(value))?.[0] ?? "text";
  const picked: string[] = [];
  const seenShapes = new Set<string>();
  for (const { value } of counted) {
    const shape = shapeOf(value);
    if (!seenShapes.has(shape)) {
      seenShapes.add(shape);
      picked.push(value);
    }
  }
  for (const { value } of counted) {
    if (picked.length >= limit) break;
    if (!picked.includes(value)) picked.push(value);
  }
  const order = new Map(counted.map(({ value }, i) => [value, i]));
  return picked.slice(0, limit).sort((a, b) => order.get(a)! - order.get(b)!);
}
