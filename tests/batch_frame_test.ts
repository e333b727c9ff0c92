// Unit tests of batchFrame: a nullable column with no nulls, some nulls and only nulls gives the same
// dtype and values each way (the all-null column is built without its values).
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { ColumnBatch } from "../lib/export/column_batch.ts";
import { batchFrame } from "../lib/export/batch_frame.ts";

const columns = [
  { name: "user_id", type: "int4", nullable: false },
  { name: "as_of", type: "date", nullable: true },
] as const;

function frameOf(nulls: number[]) {
  const batch = new ColumnBatch(columns, nulls.length + 2);
  nulls.forEach((isNull, i) => {
    batch.values[0]![i + 1] = i + 1;
    batch.values[1]![i + 1] = 20_000 + i;
    batch.nulls[1]![i + 1] = isNull;
  });
  batch.length = nulls.length + 2;
  // Rows 1 .. n: the frame is a slice of the batch, as a file's row groups are.
  return batchFrame(batch, 1, nulls.length + 1);
}

const days = (frame: ReturnType<typeof frameOf>) =>
  [...frame.getColumn("as_of").cast(pl.Int32)].map((value) => value ?? null);

Deno.test("batchFrame gives a nullable date column its nulls, whether none, some or all rows are null", () => {
  const none = frameOf([0, 0, 0]);
  const some = frameOf([0, 1, 0]);
  const all = frameOf([1, 1, 1]);
  for (const frame of [none, some, all]) {
    assert.equal(frame.height, 3);
    assert.equal(frame.getColumn("as_of").dtype.variant, "Date");
    assert.equal(frame.getColumn("user_id").dtype.variant, "Int32");
    assert.deepEqual([...frame.getColumn("user_id")], [1, 2, 3]);
  }
  assert.deepEqual(days(none), [20_000, 20_001, 20_002]);
  assert.deepEqual(days(some), [20_000, null, 20_002]);
  assert.deepEqual(days(all), [null, null, null]);
  assert.equal(all.getColumn("as_of").nullCount(), 3);
});
