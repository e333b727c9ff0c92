// Owns turning rows of a column batch into a polars DataFrame with the columns' exact dtypes.
/**
 * @example Two rows of a nullable date column
 * ```ts
 * import assert from "node:assert/strict";
 * import { ColumnBatch } from "./column_batch.ts";
 * import { batchFrame } from "./batch_frame.ts";
 * const batch = new ColumnBatch([{ name: "as_of", type: "date", nullable: true }], 2);
 * batch.values[0]![0] = 1;
 * batch.nulls[0]![1] = 1;
 * batch.length = 2;
 * const frame = batchFrame(batch, 0, 2);
 * assert.equal(frame.getColumn("as_of").dtype.variant, "Date");
 * assert.deepEqual(frame.getColumn("as_of").nullCount(), 1);
 * ```
 */
import pl from "nodejs-polars";
import type { ColumnBatch } from "./column_batch.ts";
import type { CopyType } from "./interaction_columns.ts";

const DTYPES: Record<CopyType, pl.DataType> = { int2: pl.Int16, int4: pl.Int32, date: pl.Date };

/**
 * Copies rows `start` .. `end` of a batch into a new DataFrame (the batch can be refilled after).
 *
 * @returns A frame with one column per batch column, in order.
 */
export function batchFrame(
  batch: Pick<ColumnBatch, "columns" | "values" | "nulls">,
  start: number,
  end: number,
): pl.DataFrame {
  return pl.DataFrame(batch.columns.map((column, c) => {
    const values = batch.values[c]!.subarray(start, end);
    const nulls = batch.nulls[c]?.subarray(start, end);
    if (nulls === undefined || !nulls.includes(1)) {
      const series = pl.Series(column.name, values, column.type === "int2" ? pl.Int16 : pl.Int32);
      return column.type === "date" ? series.cast(pl.Date) : series;
    }
    if (!nulls.includes(0)) {
      // Every row null (as_of of the snapshot's rows, most of a table): no values to hand over.
      return pl.Series(column.name, [], DTYPES[column.type]).extendConstant(null, end - start);
    }
    // Integers given with nulls to an integer dtype come back as 0, and a JavaScript array of the
    // values with nulls costs about 75 ms per 262,144 rows (the snapshot's as_of is null on every
    // row): the values and their null flags go to polars as typed arrays, and an expression puts
    // the nulls in (3 ms).
    const flagged = pl.DataFrame([
      pl.Series("value", values, column.type === "int2" ? pl.Int16 : pl.Int32),
      pl.Series("is_null", nulls),
    ]);
    return flagged.select(
      pl.when(pl.col("is_null").eq(1)).then(pl.lit(null)).otherwise(pl.col("value"))
        .cast(DTYPES[column.type]).alias(column.name),
    ).getColumn(column.name);
  }));
}
