// Owns a set of (user_id, anime_id) pairs with a counter each, in typed arrays: the pairs of a delta's
// events, and the pairs a full refresh's deltas touch, looked up for every snapshot row as it streams.
/**
 * @example Count the snapshot's rows of the touched pairs
 * ```ts
 * import assert from "node:assert/strict";
 * import { PairSet } from "./pair_set.ts";
 * const touched = new PairSet();
 * touched.add(7, 31);
 * assert.equal(touched.hit(7, 31), true);
 * assert.equal(touched.hit(7, 32), false);
 * assert.deepEqual([...touched.counted()], [[7, 31, 1]]);
 * ```
 */

/** A pair a file held more than once: its user_id, anime_id and repeats after the first line. */
export type PairRepeat = [userId: number, animeId: number, repeats: number];

import { freeArray } from "./free_array.ts";

const EMPTY = -1;
// A slot of the table: user_id, anime_id and the entry (EMPTY when free), side by side, so that a
// probe reads one cache line.
const SLOT_FIELDS = 3;
// Words of the filter per slot: 16 bits per slot, at least 21 per pair at the table's load.
const SLOTS_PER_FILTER_WORD = 2;

/**
 * Open addressing over one Int32Array of (user_id, anime_id, entry) slots, at most 3/4 full: no
 * object per pair, a lookup is a hash and a few array reads (8M lookups per 8M-row snapshot).
 *
 * Most lookups miss, and a miss in a table of several megabytes is a cache miss: `#find` was the
 * full refresh's largest JavaScript cost (1.5 to 1.7 s of self time in `--cpu-prof` runs of the
 * bench's replay of 10 deltas, whose snapshot is in random order). So a blocked Bloom filter, a
 * 32-bit word per pair hash with two of its bits set, answers most misses without touching the
 * table: a clear bit is never wrong, as every added pair sets its own. It passes about 1% of the
 * misses (83,000 of the bench snapshot's 7.57M with the ten deltas' 717,000 pairs, against 884,000
 * for the per-user word of `anime_id % 32` it replaced), and a pair it passes is found in the slot
 * it hashes to or the next few, in the same cache line, where the table of entries took two more
 * reads. The bench snapshot's 8M lookups took 2.0 to 2.6 s before, 0.3 to 0.4 s after (a script
 * timing `has` over them, load average about 10).
 */
export class PairSet {
  #users = new Int32Array(1024);
  #animes = new Int32Array(1024);
  #counts = new Int32Array(1024);
  #table = new Int32Array(SLOT_FIELDS * 2048).fill(EMPTY);
  #filter = new Int32Array(2048 / SLOTS_PER_FILTER_WORD);
  #size = 0;

  /** Pairs in the set. */
  get size(): number {
    return this.#size;
  }

  /**
   * Bytes its arrays hold: 12 an entry and 14 a slot of the table and its filter, the arrays grown
   * by doubling (entries) and kept at most 3/4 full (slots), so between 31 and 62 bytes a pair.
   */
  get byteLength(): number {
    return this.#users.byteLength + this.#animes.byteLength + this.#counts.byteLength +
      this.#table.byteLength + this.#filter.byteLength;
  }

  /** Adds a pair (once; adding it again does nothing). Returns its entry, numbered from 0. */
  add(userId: number, animeId: number): number {
    const found = this.#find(userId, animeId);
    if (found !== EMPTY) return found;
    if (this.#size === this.#users.length) this.#growEntries();
    const slots = this.#table.length / SLOT_FIELDS;
    if ((this.#size + 1) * 4 > slots * 3) this.#rehash(slots * 2);
    const entry = this.#size++;
    this.#users[entry] = userId;
    this.#animes[entry] = animeId;
    this.#place(entry);
    return entry;
  }

  /** Empties the set, keeping its arrays for the next pairs. */
  clear(): void {
    this.#table.fill(EMPTY);
    this.#filter.fill(0);
    this.#counts.fill(0, 0, this.#size);
    this.#size = 0;
  }

  /**
   * Empties the set and returns its memory at once: its arrays' buffers are detached, not left for
   * the collector, whose next full collection may come minutes later. A full refresh's replay has
   * no use for its touched pairs once the snapshot's COPY has ended (`DeltaReplay.apply`).
   */
  release(): void {
    for (const array of [this.#users, this.#animes, this.#counts, this.#table, this.#filter]) {
      freeArray(array);
    }
    this.#users = new Int32Array(1024);
    this.#animes = new Int32Array(1024);
    this.#counts = new Int32Array(1024);
    this.#table = new Int32Array(SLOT_FIELDS * 2048).fill(EMPTY);
    this.#filter = new Int32Array(2048 / SLOTS_PER_FILTER_WORD);
    this.#size = 0;
  }

  /** Occurrences counted by {@link hit} of the pair at an entry {@link add} returned. */
  occurrences(entry: number): number {
    return this.#counts[entry]!;
  }

  /** Whether the pair is in the set; if so, counts one more occurrence of it. */
  hit(userId: number, animeId: number): boolean {
    const entry = this.#find(userId, animeId);
    if (entry === EMPTY) return false;
    this.#counts[entry]!++;
    return true;
  }

  /** Whether the pair is in the set. */
  has(userId: number, animeId: number): boolean {
    return this.#find(userId, animeId) !== EMPTY;
  }

  /** user_id of the pair at an entry {@link add} returned. */
  userId(entry: number): number {
    return this.#users[entry]!;
  }

  /** anime_id of the pair at an entry {@link add} returned. */
  animeId(entry: number): number {
    return this.#animes[entry]!;
  }

  /**
   * Every entry, in (user_id, anime_id) order, as COPY into a keyed table wants its rows: a least
   * significant digit radix sort of both ids, 16 bits a pass, a pass skipped where every id has the
   * same digit (anime ids fit 16 bits). A comparison sort of a delta's 80,000 pairs took about
   * 70 ms, in a closure per comparison.
   */
  sortedEntries(): Int32Array {
    let order = new Int32Array(this.#size);
    for (let entry = 0; entry < order.length; entry++) order[entry] = entry;
    let spare = new Int32Array(this.#size);
    const counts = new Int32Array(RADIX + 1);
    const users = this.#users;
    const animes = this.#animes;
    const passes = [[animes, 0], [animes, 16], [users, 0], [users, 16]] as const;
    for (const [ids, shift] of passes) {
      if (radixPass(ids, shift, { from: order, to: spare, counts })) {
        [order, spare] = [spare, order];
      }
    }
    return order;
  }

  /** The pairs hit at least once, with their occurrences. */
  *counted(): Generator<[userId: number, animeId: number, occurrences: number]> {
    for (let entry = 0; entry < this.#size; entry++) {
      const count = this.#counts[entry]!;
      if (count > 0) yield [this.#users[entry]!, this.#animes[entry]!, count];
    }
  }

  #find(userId: number, animeId: number): number {
    const h = hash(userId, animeId);
    const filter = this.#filter;
    const f = filterHash(h);
    const bits = (1 << ((f >>> 22) & 31)) | (1 << (f >>> 27));
    if ((filter[f & (filter.length - 1)]! & bits) !== bits) return EMPTY;
    const table = this.#table;
    const mask = table.length / SLOT_FIELDS - 1;
    for (let slot = h & mask;; slot = (slot + 1) & mask) {
      const at = slot * SLOT_FIELDS;
      const entry = table[at + 2]!;
      if (entry === EMPTY) return EMPTY;
      if (table[at] === userId && table[at + 1] === animeId) return entry;
    }
  }

  #place(entry: number): void {
    const userId = this.#users[entry]!;
    const animeId = this.#animes[entry]!;
    const h = hash(userId, animeId);
    const table = this.#table;
    const mask = table.length / SLOT_FIELDS - 1;
    let slot = h & mask;
    while (table[slot * SLOT_FIELDS + 2] !== EMPTY) slot = (slot + 1) & mask;
    table[slot * SLOT_FIELDS] = userId;
    table[slot * SLOT_FIELDS + 1] = animeId;
    table[slot * SLOT_FIELDS + 2] = entry;
    const filter = this.#filter;
    const f = filterHash(h);
    filter[f & (filter.length - 1)]! |= (1 << ((f >>> 22) & 31)) | (1 << (f >>> 27));
  }

  #growEntries(): void {
    // The old arrays are freed at once: left for the collector, both copies stayed resident.
    const grow = (old: Int32Array<ArrayBuffer>) => {
      const grown = new Int32Array(old.length * 2);
      grown.set(old);
      freeArray(old);
      return grown;
    };
    this.#users = grow(this.#users);
    this.#animes = grow(this.#animes);
    this.#counts = grow(this.#counts);
  }

  #rehash(slots: number): void {
    // The entries are placed again from their own arrays: the old table can go first.
    freeArray(this.#table);
    freeArray(this.#filter);
    this.#table = new Int32Array(SLOT_FIELDS * slots).fill(EMPTY);
    this.#filter = new Int32Array(slots / SLOTS_PER_FILTER_WORD);
    for (let entry = 0; entry < this.#size; entry++) this.#place(entry);
  }
}

const RADIX = 1 << 16;

// One stable counting pass of `from` into `to` by the 16-bit digit at `shift` of each entry's id
// (the sign bit flipped, so negative ids sort first). False, and `to` untouched, when every entry
// has the same digit: the pass would not change the order.
function radixPass(
  ids: Int32Array,
  shift: number,
  arrays: { from: Int32Array; to: Int32Array; counts: Int32Array },
): boolean {
  const { from, to, counts } = arrays;
  counts.fill(0);
  for (let at = 0; at < from.length; at++) {
    counts[(((ids[from[at]!]! ^ SIGN) >>> shift) & (RADIX - 1)) + 1]!++;
  }
  for (let digit = 0; digit < RADIX; digit++) {
    if (counts[digit + 1] === from.length) return false;
    counts[digit + 1]! += counts[digit]!;
  }
  for (let at = 0; at < from.length; at++) {
    const entry = from[at]!;
    to[counts[((ids[entry]! ^ SIGN) >>> shift) & (RADIX - 1)]!++] = entry;
  }
  return true;
}

const SIGN = -0x80000000;

// A second mix of a pair's hash for the filter, so that its word and bits do not follow the slot.
function filterHash(h: number): number {
  const f = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (f ^ (f >>> 12)) >>> 0;
}

// Mixes both ids (Murmur3's finalizer): user ids and anime ids are small and dense.
function hash(userId: number, animeId: number): number {
  let h = Math.imul(userId, 0x9e3779b1) ^ animeId;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
