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
