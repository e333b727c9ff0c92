// Tests of the in-memory sort by (user_id, anime_id): every spread of keys, against a comparison sort.
import assert from "node:assert/strict";
import { keyOrder } from "../lib/export/key_order.ts";

// Deterministic values (a linear congruential generator), so that a failure repeats.
function randomInts(count: number, min: number, max: number, seed: number): Int32Array {
  const values = new Int32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    values[i] = min + Math.floor((state / 2 ** 32) * (max - min + 1));
  }
  return values;
}

function expected(first: Int32Array, second: Int32Array): number[] {
  return [...first.keys()].sort((a, b) =>
    first[a]! - first[b]! || second[a]! - second[b]! || a - b
  );
}

Deno.test("keyOrder orders rows by the first key, then the second, ties in row order", async (t) => {
  const cases: [string, Int32Array, Int32Array][] = [
    ["no rows", new Int32Array(0), new Int32Array(0)],
    ["one row", Int32Array.of(5), Int32Array.of(-1)],
    [
      "one user, anime ids below 65,536",
      new Int32Array(500).fill(9),
      randomInts(500, 0, 48_000, 1),
    ],
    ["narrow users and anime", randomInts(5_000, 100, 160, 2), randomInts(5_000, 1, 40, 3)],
    [
      "users spread over more than 16 bits",
      randomInts(5_000, 0, 2_000_000, 4),
      randomInts(5_000, 0, 70_000, 5),
    ],
    [
      "the whole int32 range, negatives included",
      randomInts(5_000, -(2 ** 31), 2 ** 31 - 1, 6),
      randomInts(5_000, -(2 ** 31), 2 ** 31 - 1, 7),
    ],
    ["equal keys keep their order", new Int32Array(50).fill(3), new Int32Array(50).fill(4)],
  ];
  for (const [name, first, second] of cases) {
    await t.step(name, () => {
      assert.deepEqual([...keyOrder(first, second, first.length)], expected(first, second));
    });
  }
  await t.step("only the first `length` rows", () => {
    const first = Int32Array.of(2, 1, 0);
    assert.deepEqual([...keyOrder(first, Int32Array.of(0, 0, 0), 2)], [1, 0]);
  });
});

Deno.test("keyOrder sorts in the buffers it is given, and refuses buffers too small", () => {
  const buffers = { order: new Uint32Array(8), spare: new Uint32Array(8) };
  const order = keyOrder(Int32Array.of(3, 1, 2), Int32Array.of(0, 0, 0), 3, buffers);
  assert.deepEqual([...order], [1, 2, 0]);
  assert.ok(order.buffer === buffers.order.buffer || order.buffer === buffers.spare.buffer);
  assert.throws(
    () =>
      keyOrder(new Int32Array(4), new Int32Array(4), 4, {
        order: buffers.order,
        spare: new Uint32Array(2),
      }),
    new Error("Cannot order 4 rows in buffers of 2"),
  );
});
