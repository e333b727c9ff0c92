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

const EMPTY = -1;
// Slots of the table per word of the user filter: at most half the slots hold a pair, so the
// filter has a word for every second pair, more than a word per user for users of several pairs.
const USER_WORDS_PER_SLOT = 4;

/**
 * Open addressing over two Int32Arrays of keys: no object per pair, a lookup is a hash and a few
 * array reads (8M lookups per 8M-row snapshot).
 *
 * Most lookups miss, and a miss in a table of several megabytes is a cache miss, whatever the
 * layout: `#find` was the full refresh's largest JavaScript cost (1.5 s of self time in a
 * `--cpu-prof` of the bench's replay of 10 deltas). So a 32-bit word per user (by a hash of the
 * user id alone) holds one bit per `anime_id % 32` of the user's pairs, and a lookup whose bit is
 * clear misses without touching the table. A file's rows come grouped by user, so the word of a
 * run of rows stays in cache. A set bit may be another pair's (a false positive); a clear bit is
 * never wrong, as every added pair sets its own.
 */
export class PairSet {
  #users = new Int32Array(1024);
  #animes = new Int32Array(1024);
  #counts = new Int32Array(1024);
  #slots = new Int32Array(2048).fill(EMPTY);
  #userBits = new Int32Array(2048 / USER_WORDS_PER_SLOT);
  #size = 0;

  /** Pairs in the set. */
  get size(): number {
    return this.#size;
  }

  /** Adds a pair (once; adding it again does nothing). Returns its entry, numbered from 0. */
  add(userId: number, animeId: number): number {
    const found = this.#find(userId, animeId);
    if (found !== EMPTY) return found;
    if (this.#size === this.#users.length) this.#growEntries();
    if ((this.#size + 1) * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    const entry = this.#size++;
    this.#users[entry] = userId;
    this.#animes[entry] = animeId;
    this.#place(entry);
    return entry;
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
    const bits = this.#userBits;
    if ((bits[userHash(userId) & (bits.length - 1)]! & (1 << (animeId & 31))) === 0) return EMPTY;
    const mask = this.#slots.length - 1;
    for (let slot = hash(userId, animeId) & mask;; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot]!;
      if (entry === EMPTY) return EMPTY;
      if (this.#users[entry] === userId && this.#animes[entry] === animeId) return entry;
    }
  }

  #place(entry: number): void {
    const mask = this.#slots.length - 1;
    let slot = hash(this.#users[entry]!, this.#animes[entry]!) & mask;
    while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.#slots[slot] = entry;
    const bits = this.#userBits;
    bits[userHash(this.#users[entry]!) & (bits.length - 1)]! |= 1 << (this.#animes[entry]! & 31);
  }

  #growEntries(): void {
    const grow = (old: Int32Array) => {
      const grown = new Int32Array(old.length * 2);
      grown.set(old);
      return grown;
    };
    this.#users = grow(this.#users);
    this.#animes = grow(this.#animes);
    this.#counts = grow(this.#counts);
  }

  #rehash(size: number): void {
    this.#slots = new Int32Array(size).fill(EMPTY);
    this.#userBits = new Int32Array(size / USER_WORDS_PER_SLOT);
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

// Spreads user ids over the filter's words (Murmur3's finalizer).
function userHash(userId: number): number {
  let h = Math.imul(userId, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
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
