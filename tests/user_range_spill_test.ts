// Tests of the spill by user range: every row back in its range, blocks across files, refusals.
import assert from "node:assert/strict";
import { ColumnBatch } from "../lib/export/column_batch.ts";
import type { ExportColumn } from "../lib/export/interaction_columns.ts";
import {
  cutSpilledRange,
  forEachSpilledBlock,
  readSpilledRange,
  UserRangeSpill,
} from "../lib/export/user_range_spill.ts";
import { temporaryDirectory } from "./helpers/disposables.ts";

const COLUMNS: ExportColumn[] = [
  { name: "user_id", type: "int4", nullable: false },
  { name: "rating", type: "int2", nullable: false },
];

function rows(users: number[]): ColumnBatch {
  const batch = new ColumnBatch(COLUMNS, users.length);
  users.forEach((user, i) => {
    batch.values[0]![i] = user;
    batch.values[1]![i] = i % 11;
  });
  batch.length = users.length;
  return batch;
}

Deno.test("UserRangeSpill puts every row in its user range, in the order it came", async (t) => {
  await using dir = await temporaryDirectory("spill-");
  // 1,000 rows of users 10 to 59 in 3 ranges, through blocks of 256 rows (the smallest): each
  // range writes several blocks, and the last is partial.
  const users = Array.from({ length: 1_000 }, (_, i) => 10 + ((i * 37) % 50));
  const spill = new UserRangeSpill(dir.path, COLUMNS, {
    firstUser: 10,
    lastUser: 59,
    ranges: 3,
    bufferRows: 1,
  });
  for (let start = 0; start < users.length; start += 100) {
    spill.add(rows(users.slice(start, start + 100)));
  }
  const ranges = spill.finish();

  await t.step("ranges of equal width cover the users, with the rows of each", () => {
    assert.deepEqual(ranges.map((range) => [range.firstUser, range.lastUser]), [
      [10, 26],
      [27, 43],
      [44, 59],
    ]);
    assert.deepEqual(
      ranges.map((range) => range.rows),
      ranges.map((range) =>
        users.filter((user) => user >= range.firstUser && user <= range.lastUser).length
      ),
    );
    assert.equal(ranges[0]!.blockRows, 256);
  });

  await t.step("readSpilledRange gives each range's rows in the order they were added", () => {
    for (const range of ranges) {
      const back = new ColumnBatch(COLUMNS, range.rows);
      readSpilledRange(range, back);
      const want = users.map((user, i) => [user, (i % 100) % 11]).filter(([user]) =>
        user! >= range.firstUser && user! <= range.lastUser
      );
      assert.deepEqual(
        [...back.values[0]!.subarray(0, back.length)].map((user, i) => [user, back.values[1]![i]]),
        want,
      );
    }
  });

  await t.step("forEachSpilledBlock gives the same rows a block at a time", () => {
    const range = ranges[1]!;
    const block = new ColumnBatch(COLUMNS, range.blockRows);
    const seen: number[] = [];
    forEachSpilledBlock(
      range,
      block,
      () => seen.push(...block.values[0]!.subarray(0, block.length)),
    );
    const whole = new ColumnBatch(COLUMNS, range.rows);
    readSpilledRange(range, whole);
    assert.deepEqual(seen, [...whole.values[0]!]);
  });

  await t.step("a batch too small for the range is refused", () => {
    assert.throws(
      () => readSpilledRange(ranges[0]!, new ColumnBatch(COLUMNS, 1)),
      new Error(`Cannot read ${ranges[0]!.rows} spilled rows into a batch of 1`),
    );
  });
});

Deno.test("UserRangeSpill refuses what it cannot hold", async (t) => {
  await using dir = await temporaryDirectory("spill-refused-");
  await t.step("a user outside its users", () => {
    const spill = new UserRangeSpill(dir.path, COLUMNS, { firstUser: 1, lastUser: 5, ranges: 2 });
    try {
      assert.throws(
        () => spill.add(rows([3, 6])),
        new Error("Cannot spill user_id 6: outside the users 1 to 5 the export found"),
      );
    } finally {
      spill.close();
    }
  });
  await t.step("a nullable column", () => {
    assert.throws(
      () =>
        new UserRangeSpill(dir.path, [{ name: "as_of", type: "date", nullable: true }], {
          firstUser: 1,
          lastUser: 1,
          ranges: 1,
        }),
      new Error(`Cannot spill column "as_of": nullable columns are not spilled`),
    );
  });
  await t.step("more ranges than users: one range per user", () => {
    const spill = new UserRangeSpill(dir.path, COLUMNS, { firstUser: 7, lastUser: 8, ranges: 9 });
    assert.deepEqual(spill.finish().map((range) => [range.firstUser, range.rows]), [[7, 0], [
      8,
      0,
    ]]);
  });
});

Deno.test("cutSpilledRange spills a range again into narrower ranges, rows in their order", async () => {
  await using dir = await temporaryDirectory("spill-cut-");
  const users = Array.from({ length: 700 }, (_, i) => 1 + ((i * 13) % 40));
  const spill = new UserRangeSpill(dir.path, COLUMNS, { firstUser: 1, lastUser: 40, ranges: 1 });
  spill.add(rows(users));
  const [whole] = spill.finish();
  const cut = cutSpilledRange(whole!, dir.path, 4);
  assert.deepEqual(cut.map((range) => [range.firstUser, range.lastUser]), [
    [1, 10],
    [11, 20],
    [21, 30],
    [31, 40],
  ]);
  for (const range of cut) {
    const back = new ColumnBatch(COLUMNS, range.rows);
    readSpilledRange(range, back);
    assert.deepEqual(
      [...back.values[0]!],
      users.filter((user) => user >= range.firstUser && user <= range.lastUser),
    );
  }
});
