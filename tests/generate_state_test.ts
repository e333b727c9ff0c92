// Unit tests of the generator's list-state bounds: the active share and the number-keyed map.
import assert from "node:assert/strict";
import { activeShare, MAX_ACTIVE_PAIRS } from "../lib/generate/_list_state.ts";
import { NumberMap } from "../lib/generate/_number_map.ts";

Deno.test("the active share covers the pool's days of deltas, at most MAX_ACTIVE_PAIRS pairs", () => {
  assert.equal(activeShare(8_000_000, 80_000, 30), 0.3);
  assert.equal(activeShare(1_000, 1_000, 30), 1);
  assert.equal(activeShare(0, 10, 30), 1);
  // The full Kaggle size with a 1% delta: 30% of the pairs would be 32.8M, past one Map's bound.
  const share = activeShare(109_224_747, 1_092_247, 30);
  assert.equal(share, MAX_ACTIVE_PAIRS / 109_224_747);
  assert.ok(share * 109_224_747 <= MAX_ACTIVE_PAIRS);
});

Deno.test("NumberMap keeps every key apart across its shards", () => {
  const map = new NumberMap<number>();
  // Keys that share their low bits (one shard) and keys past 2^32 (the pair keys user * 2^22 + anime).
  const keys = [0, 64, 128, 2 ** 32, 2 ** 32 + 64, 2 ** 52 + 3, 5, 2 ** 40 + 5];
  keys.forEach((key, i) => map.set(key, i));
  assert.equal(map.size, keys.length);
  keys.forEach((key, i) => assert.equal(map.get(key), i));
  assert.equal(map.get(192), undefined);
  assert.equal(map.has(2 ** 32 + 128), false);
  map.set(64, 99);
  assert.equal(map.get(64), 99);
  assert.equal(map.size, keys.length);
  assert.equal(map.delete(64), true);
  assert.equal(map.delete(64), false);
  assert.equal(map.has(64), false);
  assert.equal(map.get(128), 2);
  assert.equal(map.size, keys.length - 1);
  const entries = [...map].sort(([a], [b]) => a - b);
  assert.deepEqual(entries, [[0, 0], [5, 6], [128, 2], [2 ** 32, 3], [2 ** 32 + 64, 4], [
    2 ** 40 + 5,
    7,
  ], [2 ** 52 + 3, 5]]);
});
