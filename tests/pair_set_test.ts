// Tests lib/load/pair_set.ts against a Map of string keys, through several growths of its table.
import assert from "node:assert/strict";
import { PairSet } from "../lib/load/pair_set.ts";

Deno.test("PairSet agrees with a Map on adds, hits and misses across its growths", () => {
  const set = new PairSet();
  const expected = new Map<string, { entry: number; hits: number }>();
  // A fixed linear congruential sequence: repeatable, with repeats, negative and large ids.
  let state = 12345;
  const next = (range: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state % range) - (range >> 3);
  };
  for (let i = 0; i < 50_000; i++) {
    const userId = next(20_000);
    const animeId = i % 97 === 0 ? 2_147_483_647 - next(10) : next(3_000);
    const key = `${userId}:${animeId}`;
    const entry = set.add(userId, animeId);
    const known = expected.get(key);
    if (known) assert.equal(entry, known.entry);
    else expected.set(key, { entry, hits: 0 });
  }
  assert.equal(set.size, expected.size);
  for (let i = 0; i < 100_000; i++) {
    const userId = next(20_000);
    const animeId = next(3_000);
    const known = expected.get(`${userId}:${animeId}`);
    assert.equal(set.has(userId, animeId), known !== undefined);
    assert.equal(set.hit(userId, animeId), known !== undefined);
    if (known) known.hits++;
  }
  const counted = [...set.counted()];
  const hit = [...expected].filter(([, value]) => value.hits > 0);
  assert.deepEqual(
    counted.map(([userId, animeId, occurrences]) => [`${userId}:${animeId}`, occurrences]),
    hit.sort((a, b) => a[1].entry - b[1].entry).map(([key, value]) => [key, value.hits]),
  );
  for (const [, value] of hit) assert.equal(set.occurrences(value.entry), value.hits);
});

Deno.test("PairSet lists its entries in (user_id, anime_id) order, negative and large ids too", async (t) => {
  const cases: [string, [number, number][]][] = [
    ["no pairs", []],
    ["one pair", [[5, 3]]],
    ["anime ids within 16 bits (passes skipped)", [[2, 9], [1, 7], [2, 1], [1, 8], [0, 65535]]],
    ["ids across every 16-bit digit", [
      [2_147_483_647, 2_147_483_647],
      [-2_147_483_648, 5],
      [65_536, 1],
      [65_535, 65_536],
      [-1, -1],
      [0, 0],
      [65_536, 0],
      [-1, 2_000_000_000],
    ]],
  ];
  let state = 777;
  const next = (range: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % range;
  };
  const random: [number, number][] = [];
  for (let i = 0; i < 30_000; i++) random.push([next(400_000) - 1000, next(70_000)]);
  cases.push(["30,000 random pairs with repeats", random]);
  for (const [name, pairs] of cases) {
    await t.step(name, () => {
      const set = new PairSet();
      for (const [userId, animeId] of pairs) set.add(userId, animeId);
      const sorted = [...set.sortedEntries()].map((
        entry,
      ) => [set.userId(entry), set.animeId(entry)]);
      const expected = [...new Map(pairs.map((pair) => [pair.join(":"), pair])).values()]
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
      assert.deepEqual(sorted, expected);
    });
  }
});

Deno.test("PairSet holds at most 62 bytes a pair at any size, and nothing once released", () => {
  // The bound is that of its design (12 bytes an entry, 14 a slot, arrays grown by doubling, the
  // table at most 3/4 full): it fails if a per-pair array or a per-pair object is added. The sizes
  // include the worst, just past a doubling of the table (786,433 pairs: 2^21 slots).
  const set = new PairSet();
  let added = 0;
  for (const size of [1_000, 100_000, 786_433, 1_092_247]) {
    for (; added < size; added++) set.add(added >> 4, added & 15);
    assert.equal(set.size, size);
    const perPair = set.byteLength / size;
    assert.ok(perPair <= 62, `${perPair.toFixed(1)} bytes a pair at ${size} pairs`);
  }
  set.release();
  assert.equal(set.size, 0);
  assert.equal(set.has(0, 0), false);
  assert.ok(set.byteLength <= 64 * 1024, `${set.byteLength} bytes after release`);
  // Released, it is an empty set again.
  assert.equal(set.add(7, 31), 0);
  assert.equal(set.hit(7, 31), true);
});
