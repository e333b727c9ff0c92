// Owns ordering rows by their (user_id, anime_id) key in memory: a radix sort of row indexes.
/**
 * @example The order of four rows by user, then anime
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyOrder } from "./key_order.ts";
 * const users = Int32Array.of(7, 3, 7, 3);
 * const animes = Int32Array.of(1, 9, -5, 2);
 * assert.deepEqual([...keyOrder(users, animes, 4)], [3, 1, 2, 0]);
 * ```
 */

const DIGIT_BITS = 16;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/**
 * The row indexes `0 .. length - 1` ordered by `(first[i], second[i])`, ascending, ties in index
 * order. A least-significant-digit radix sort over 16-bit digits of each value's offset from its
 * column's minimum: one counting pass per digit that the values' spread needs (one for a column
 * whose values span less than 65,536, as the anime ids and a user range's ids do), each linear, so
 * a million rows take tens of milliseconds where a comparison sort through a callback takes a
 * second.
 *
 * @param first The major key (user_id), one value per row.
 * @param second The minor key (anime_id).
 * @param length Rows to order, from index 0.
 * @param buffers Two arrays of at least `length` entries to sort in (one holds the result), so
 *   that sorting range after range allocates nothing; default new ones.
 * @returns `length` row indexes (a view of one of `buffers` when given).
 */
export function keyOrder(
  first: Int32Array,
  second: Int32Array,
  length: number,
  buffers?: { order: Uint32Array; spare: Uint32Array },
): Uint32Array {
  let order = buffers?.order.subarray(0, length) ?? new Uint32Array(length);
  let spare = buffers?.spare.subarray(0, length) ?? new Uint32Array(length);
  if (order.length < length || spare.length < length) {
    throw new Error(
      `Cannot order ${length} rows in buffers of ${Math.min(order.length, spare.length)}`,
    );
  }
  for (let i = 0; i < length; i++) order[i] = i;
  if (length < 2) return order;
  const counts = new Uint32Array(DIGIT_MASK + 1);
  // The minor key first: each pass is stable, so the major key's passes keep its order.
  for (const values of [second, first]) {
    let min = values[0]!;
    let max = min;
    for (let i = 1; i < length; i++) {
      const value = values[i]!;
      if (value < min) min = value;
      else if (value > max) max = value;
    }
    // The spread of two int32 values fits in 32 bits unsigned.
    const spread = max - min;
    for (let shift = 0; shift < 32 && spread >= 2 ** shift; shift += DIGIT_BITS) {
      countingPass(values, min, shift, order, spare, counts, length);
      [order, spare] = [spare, order];
    }
  }
  return order;
}

// Moves `from` into `to` stably by one 16-bit digit of each row's offset from `min`.
function countingPass(
  values: Int32Array,
  min: number,
  shift: number,
  from: Uint32Array,
  to: Uint32Array,
  counts: Uint32Array,
  length: number,
) {
  counts.fill(0);
  for (let i = 0; i < length; i++) counts[((values[from[i]!]! - min) >>> shift) & DIGIT_MASK]!++;
  let position = 0;
  for (let digit = 0; digit <= DIGIT_MASK; digit++) {
    const count = counts[digit]!;
    counts[digit] = position;
    position += count;
  }
  for (let i = 0; i < length; i++) {
    const row = from[i]!;
    const digit = ((values[row]! - min) >>> shift) & DIGIT_MASK;
    to[counts[digit]!++] = row;
  }
}
