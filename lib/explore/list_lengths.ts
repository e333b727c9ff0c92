// Owns measuring how long each user's list is: the rows per user of animelist.csv.
/**
 * @example Two users
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { listLengths } from "./list_lengths.ts";
 * const list = pl.DataFrame({ user_id: [7, 7, 7, 9] });
 * assert.deepEqual([...listLengths(list)].sort(), [1, 3]);
 * ```
 */
import type pl from "nodejs-polars";

/**
 * Counts rows per user with a polars group-by.
 *
 * @param list animelist.csv as a frame.
 * @param userColumn Column identifying the user; default `user_id`.
 * @returns One length per distinct user, in no particular order.
 */
export function listLengths(list: pl.DataFrame, userColumn = "user_id"): Float64Array {
  const lengths = list.groupBy(userColumn).len().getColumn("len").toArray() as number[];
  return Float64Array.from(lengths, Number);
}
