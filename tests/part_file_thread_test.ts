// Tests of the Worker that writes the part files: the same bytes as on the main thread, a failed
// write named and then every later call refused, and a close that ends the Worker on every path.
import assert from "node:assert/strict";
import { ColumnBatch } from "../lib/export/column_batch.ts";
import { batchFrame } from "../lib/export/batch_frame.ts";
import type { ExportColumn } from "../lib/export/interaction_columns.ts";
import { PartFileThread } from "../lib/export/part_file_thread.ts";
import { writeParquetFile } from "../lib/export/write_parquet_file.ts";
import { temporaryDirectory } from "./helpers/disposables.ts";

const COLUMNS: ExportColumn[] = [
  { name: "user_id", type: "int4", nullable: false },
  { name: "rating", type: "int2", nullable: false },
  { name: "as_of", type: "date", nullable: true },
];

function fill(batch: ColumnBatch, from: number, rows: number) {
  for (let i = 0; i < rows; i++) {
    batch.values[0]![i] = from + i;
    batch.values[1]![i] = (from + i) % 11;
    batch.values[2]![i] = 20_000 + i;
    batch.nulls[2]![i] = i % 3 === 0 ? 1 : 0;
  }
  batch.length = rows;
}

Deno.test("PartFileThread writes the bytes the main thread writes, and refuses after a failure", async (t) => {
  await using dir = await temporaryDirectory("part-file-thread-");

  await t.step("two groups in one file: the same file as one frame written here", async () => {
    const batch = new ColumnBatch(COLUMNS, 100);
    const thread = new PartFileThread({ groupsPerFile: 2 });
    const here = new ColumnBatch(COLUMNS, 200);
    try {
      for (const from of [0, 100]) {
        fill(batch, from, 100);
        // What the main thread would have written, gathered before the batch's arrays move.
        for (let c = 0; c < COLUMNS.length; c++) {
          here.values[c]!.set(batch.values[c]!.subarray(0, 100), from);
          here.nulls[c]?.set(batch.nulls[c]!.subarray(0, 100), from);
        }
        await thread.addGroup(batch, 100);
        // The batch got other arrays: the caller fills them next.
        assert.equal(batch.values[0]!.length, 100);
      }
      const file = await thread.writeFile(dir.path, "a/part-00000.parquet");
      assert.deepEqual([file.rows, file.firstUserId, file.lastUserId], [200, 0, 199]);
      const mine = writeParquetFile(batchFrame(here, 0, 200), dir.path, "b/part-00000.parquet");
      assert.equal(file.sha256, mine.sha256);
      assert.deepEqual(file.schema, mine.schema);
    } finally {
      await thread.close();
    }
  });

  await t.step("rows after the group's end stay in the batch, in place", async () => {
    const batch = new ColumnBatch(COLUMNS, 10);
    const thread = new PartFileThread();
    try {
      fill(batch, 1, 10);
      await thread.addGroup(batch, 6);
      assert.deepEqual([...batch.values[0]!.subarray(6, 10)], [7, 8, 9, 10]);
      assert.deepEqual([...batch.nulls[2]!.subarray(6, 10)], [1, 0, 0, 1]);
      const file = await thread.writeFile(dir.path, "c/part-00000.parquet");
      assert.deepEqual([file.rows, file.firstUserId, file.lastUserId], [6, 1, 6]);
    } finally {
      await thread.close();
    }
  });

  await t.step("a file that cannot be written fails, and so does every call after it", async () => {
    const blocker = `${dir.path}/not-a-folder`;
    await Deno.writeTextFile(blocker, "");
    const batch = new ColumnBatch(COLUMNS, 10);
    const thread = new PartFileThread();
    try {
      fill(batch, 1, 10);
      await thread.addGroup(batch, 10);
      const named = (error: unknown) =>
        error instanceof Error && /not-a-folder/.test(error.message);
      await assert.rejects(() => thread.writeFile(blocker, "d/part-00000.parquet"), named);
      fill(batch, 11, 10);
      // The first failure again: the export stops with the cause it had.
      await assert.rejects(() => thread.addGroup(batch, 10), named);
      await assert.rejects(() => thread.writeFile(dir.path, "d/part-00001.parquet"), named);
    } finally {
      await thread.close();
      await thread.close();
    }
  });

  await t.step("a close while groups are queued skips them and ends the Worker", async () => {
    const batch = new ColumnBatch(COLUMNS, 1_000);
    const thread = new PartFileThread({ groupsAhead: 4 });
    fill(batch, 1, 1_000);
    await thread.addGroup(batch, 1_000);
    const written = thread.writeFile(dir.path, "e/part-00000.parquet");
    written.catch(() => {});
    await thread.close();
    // The file was being written or skipped: either way nothing is left running.
    await written.then(() => {}, () => {});
  });
});
