// Owns extracting the numbers of a text column, leaving out Unknown and whatever does not parse.
/**
 * @example Scores without the Unknown ones
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { numericValues } from "./numeric_values.ts";
 * const frame = pl.DataFrame({ Score: ["8.78", "Unknown", "7.5"] });
 * assert.deepEqual([...numericValues(frame, "Score")], [8.78, 7.5]);
 * ```
 */
import pl from "nodejs-polars";

/**
 * Casts a column to Float64 without failing: `Unknown`, empty and other text become null and are
 * left out. Use it for charts, not for loading: the loader quarantines text that does not parse.
 *
 * @param frame Any frame.
 * @param column Column name.
 * @returns The numbers, in row order.
 */
export function numericValues(frame: pl.DataFrame, column: string): Float64Array {
  const numbers = frame.select(pl.col(column).cast(pl.Float64, false).alias("value"))
    .filter(pl.col("value").isNotNull()).getColumn("value").toArray() as number[];
  return Float64Array.from(numbers);
}
