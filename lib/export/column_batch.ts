// Owns a batch of decoded rows held column by column in typed arrays, with null flags where allowed.
/**
 * @example Fill two rows, keep the second for the next batch
 * ```ts
 * import assert from "node:assert/strict";
 * import { ColumnBatch } from "./column_batch.ts";
 * const batch = new ColumnBatch([{ name: "user_id", type: "int4", nullable: false }], 4);
 * batch.values[0]![0] = 7;
 * batch.values[0]![1] = 8;
 * batch.length = 2;
 * batch.keepFrom(1);
 * assert.deepEqual([batch.length, batch.values[0]![0]], [1, 8]);
 * ```
 */
import type { ExportColumn } from "./interaction_columns.ts";

/** Rows of an export in columns: `values[c][r]`, and `nulls[c][r] === 1` for a null. */
export class ColumnBatch {
  readonly columns: readonly ExportColumn[];
  /** Rows the batch holds at most. */
  readonly capacity: number;
  /** Rows filled, from index 0. */
  length = 0;
  /** One array per column: Int16Array for int2, Int32Array for int4 and date (days since 1970). */
  readonly values: (Int16Array | Int32Array)[];
  /** Per nullable column, 1 where the row's value is null; undefined for a column without nulls. */
  readonly nulls: (Uint8Array | undefined)[];

  constructor(columns: readonly ExportColumn[], capacity: number) {
    this.columns = columns;
    this.capacity = capacity;
    this.values = columns.map((column) =>
      column.type === "int2" ? new Int16Array(capacity) : new Int32Array(capacity)
    );
    this.nulls = columns.map((column) => column.nullable ? new Uint8Array(capacity) : undefined);
  }

  /** Moves rows `from` .. `length` to the front and keeps only them (they start the next part). */
  keepFrom(from: number): void {
    for (const array of this.values) array.copyWithin(0, from, this.length);
    for (const flags of this.nulls) flags?.copyWithin(0, from, this.length);
    this.length -= from;
  }
}
