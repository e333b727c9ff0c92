// Tests the full refresh's client-side counting: ListTally's per (anime, status) sums and PairSet's
// lookups and occurrence counts across its growth.
import assert from "node:assert/strict";
import { ListTally } from "../lib/load/list_counts.ts";
import { PairSet } from "../lib/load/pair_set.ts";

function defined(keys: number[]): Uint8Array {
  const lookup = new Uint8Array(Math.max(...keys) + 1);
  for (const key of keys) lookup[key] = 1;
  return lookup;
}

Deno.test("ListTally sums entries, rated entries, ratings and episodes per anime and status", () => {
  const tally = new ListTally(defined([1, 5, 40]), defined([1, 2, 6]));
  tally.add(5, 2, 8, 12);
  tally.add(5, 2, 0, 3);
  tally.add(40, 6, 0, 0);
  tally.add(1, 1, 10, 1);
  tally.add(5, 1, 7, 2);
  const columns = tally.columns();
  // Slots in (anime, status) order; an (anime, status) nobody listed has no row.
  assert.deepEqual(columns, {
    anime: [1, 5, 5, 40],
    status: [1, 1, 2, 6],
    entries: [1, 1, 2, 1],
    rated: [1, 1, 1, 0],
    ratingSum: [10, 7, 8, 0],
    episodesSum: [1, 2, 15, 0],
  });
});

Deno.test("ListTally counts every row across its batches, the largest episode counts included", () => {
  const anime = [3, 17, 250, 4000];
  const statuses = [1, 2, 6];
  const tally = new ListTally(defined(anime), defined(statuses));
  // Expected sums by "anime:status", counted one row at a time.
  const expected = new Map<string, [number, number, number, number]>();
  // Several batches of noted rows and a partial last one, so columns() must add the rest.
  for (let row = 0; row < 3 * 4096 + 123; row++) {
    const animeId = anime[(row * 7) % anime.length]!;
    const status = statuses[(row * 5) % statuses.length]!;
    const rating = row % 11;
    const episodes = row % 1000 === 0 ? 2147483647 : row % 37;
    tally.add(animeId, status, rating, episodes);
    const sums = expected.get(`${animeId}:${status}`) ?? [0, 0, 0, 0];
    expected.set(`${animeId}:${status}`, [
      sums[0] + 1,
      sums[1] + (rating > 0 ? 1 : 0),
      sums[2] + rating,
      sums[3] + episodes,
    ]);
  }
  const columns = tally.columns();
  const counted = new Map(columns.anime.map((animeId, i) => [
    `${animeId}:${columns.status[i]}`,
    [columns.entries[i], columns.rated[i], columns.ratingSum[i], columns.episodesSum[i]],
  ]));
  assert.deepEqual(counted, expected);
  // A second call sees the same counts: nothing noted is added twice.
  assert.deepEqual(tally.columns(), columns);
});

Deno.test("PairSet finds every pair it holds and none it does not, across its growth", () => {
  const touched = new PairSet();
  // Enough pairs to grow the entries and rehash the slots several times; user ids near 2^31 too.
  const pairs: [number, number][] = [];
  for (let user = 0; user < 3000; user++) {
    pairs.push([user * 7, user % 50], [2147483647 - user, 1]);
  }
  for (const [user, anime] of pairs) touched.add(user, anime);
  touched.add(0, 0); // again: no second entry
  assert.equal(touched.size, pairs.length);
  for (const [user, anime] of pairs) assert.equal(touched.has(user, anime), true);
  assert.equal(touched.has(1, 0), false);
  assert.equal(touched.has(7, 2), false);
  assert.equal(touched.hit(14, 2), true);
  assert.equal(touched.hit(14, 2), true);
  assert.equal(touched.hit(2147483647, 1), true);
  assert.equal(touched.hit(15, 2), false);
  // Only the pairs hit, each with its occurrences, in the order they were added.
  assert.deepEqual([...touched.counted()], [[2147483647, 1, 1], [14, 2, 2]]);
});
