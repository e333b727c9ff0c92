// Tests of the cut into part files: bounded files, every user in one file, exact bytes again.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { InteractionParts } from "../lib/export/interaction_parts.ts";
import type { ExportColumn } from "../lib/export/interaction_columns.ts";

const COLUMNS: ExportColumn[] = [
  { name: "user_id", type: "int4", nullable: false },
  { name: "anime_id", type: "int4", nullable: false },
];

async function write(root: string, users: number[], rowsPerGroup = 4, groupsPerFile = 2) {
  const parts = new InteractionParts(root, { columns: COLUMNS, rowsPerGroup, groupsPerFile });
  try {
    for (const [i, user] of users.entries()) {
      parts.batch.values[0]![parts.batch.length] = user;
      parts.batch.values[1]![parts.batch.length++] = i;
      if (parts.batch.length === parts.batch.capacity) await parts.batchFull();
    }
    return await parts.finish();
  } finally {
    await parts.close();
  }
}

function usersOf(root: string, path: string): number[] {
  return pl.readParquet(`${root}/${path}`).getColumn("user_id").toArray() as number[];
}

Deno.test("InteractionParts ends each file where a user's rows end, within its bound", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    await t.step("users of a few rows each: files of at most 8 rows, no user split", async () => {
      const users = [1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5, 5, 6, 7, 7, 7, 7, 7, 8];
      const files = await write(`${root}/a`, users);
      assert.deepEqual(files.map((file) => file.path), [
        "interactions/part-00000.parquet",
        "interactions/part-00001.parquet",
        "interactions/part-00002.parquet",
        "interactions/part-00003.parquet",
      ]);
      const read = files.map((file) => usersOf(`${root}/a`, file.path));
      assert.deepEqual(read.flat(), users);
      assert.ok(files.every((file) => file.rows <= 8));
      for (let i = 1; i < read.length; i++) assert.ok(read[i]![0]! > read[i - 1]!.at(-1)!);
      // User 7's five rows begin a row group: they start the next file rather than end this one.
      assert.deepEqual(files.map((file) => [file.rows, file.firstUserId, file.lastUserId]), [
        [5, 1, 2],
        [5, 3, 4],
        [4, 5, 6],
        [6, 7, 8],
      ]);
    });

    await t.step("a user with more rows than a row group is cut at the file's bound", async () => {
      const users = [1, ...Array(12).fill(2), 3];
      const files = await write(`${root}/b`, users);
      assert.deepEqual(files.map((file) => file.rows), [8, 6]);
      assert.deepEqual(files.map((file) => usersOf(`${root}/b`, file.path)).flat(), users);
    });

    await t.step("no rows: one empty file that still has the schema", async () => {
      const [file, ...rest] = await write(`${root}/c`, []);
      assert.deepEqual(rest, []);
      assert.equal(file!.rows, 0);
      assert.deepEqual(file!.schema, [
        { name: "user_id", type: "Int32" },
        { name: "anime_id", type: "Int32" },
      ]);
      assert.equal([file!.firstUserId, file!.lastUserId].join(), ",");
    });

    await t.step("the same rows give the same bytes", async () => {
      const users = Array.from({ length: 50 }, (_, i) => Math.floor(i / 3));
      const first = await write(`${root}/d1`, users);
      const second = await write(`${root}/d2`, users);
      assert.deepEqual(first, second);
      for (const file of first) {
        assert.deepEqual(
          await Deno.readFile(`${root}/d1/${file.path}`),
          await Deno.readFile(`${root}/d2/${file.path}`),
        );
      }
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
