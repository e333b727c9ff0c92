// Owns the fact table's aggregates as a full refresh counts them: per anime and status, summed by
// the client from the rows it streams into anime_list, sent to pg_temp.list_counts, where the rows
// later taken off the table are subtracted (see sql/load/create_list_counts.sql).
/**
 * @example Count while encoding, then send the counts
 * ```ts ignore
 * import { ListTally, writeListCounts } from "./list_counts.ts";
 * const tally = new ListTally(animeIds, statuses);
 * tally.add(31, 2, 8, 12); // anime 31, status 2, rating 8, 12 episodes
 * await writeListCounts(tx, tally);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { copyBinaryRows } from "./binary_copy_rows.ts";

/**
 * Entries, rated entries, rating sum and watched episodes per (anime, status), in one dense typed
 * array: one slot of four sums per defined anime and status (about 17,500 x 5 for the Kaggle
 * files), nothing allocated per row. The rows come in user order, so each row's slot is a random
 * one in 2.8 MB, and added at once, every row waited for a cache miss: 0.8 s of client CPU per 8M
 * rows, measured, on the COPY's critical path. So a row is only noted (its slot, rating and
 * episodes, in sequential buffers) and the notes are added up in batches, a loop whose misses the
 * processor overlaps. Sums are exact in a double up to 2^53.
 */
export class ListTally {
  readonly #animeSlot: Int32Array;
  readonly #statusSlot: Int32Array;
  readonly #statuses: number;
  readonly #animeOf: Int32Array;
  readonly #statusOf: Int32Array;
  // SUMS values per slot: entries, rated entries, rating sum, watched episodes.
  readonly #sums: Float64Array;
  // Rows noted and not yet added: their slots' offsets in #sums, ratings and episodes.
  readonly #noted = new Int32Array(BATCH_ROWS);
  readonly #ratings = new Int32Array(BATCH_ROWS);
  readonly #episodes = new Int32Array(BATCH_ROWS);
  #pending = 0;

  /**
   * @param animeIds `animeIds[id] === 1` for every anime id a counted row may carry.
   * @param statuses `statuses[code] === 1` for every status code a counted row may carry.
   */
  constructor(animeIds: Uint8Array, statuses: Uint8Array) {
    this.#animeSlot = slots(animeIds);
    this.#statusSlot = slots(statuses);
    const anime = keysOf(animeIds);
    const codes = keysOf(statuses);
    this.#statuses = codes.length;
    const size = anime.length * codes.length;
    this.#animeOf = new Int32Array(size);
    this.#statusOf = new Int32Array(size);
    for (let a = 0; a < anime.length; a++) {
      for (let s = 0; s < codes.length; s++) {
        this.#animeOf[a * codes.length + s] = anime[a]!;
        this.#statusOf[a * codes.length + s] = codes[s]!;
      }
    }
    this.#sums = new Float64Array(size * SUMS);
  }

  /** Counts one row; its anime and status must be defined (the encoder checked them). */
  add(animeId: number, status: number, rating: number, episodes: number): void {
    const row = this.#pending;
    this.#noted[row] = (this.#animeSlot[animeId]! * this.#statuses + this.#statusSlot[status]!) *
      SUMS;
    this.#ratings[row] = rating;
    this.#episodes[row] = episodes;
    this.#pending = row + 1;
    if (row + 1 === BATCH_ROWS) this.#addNoted();
  }

  #addNoted(): void {
    const sums = this.#sums;
    const noted = this.#noted;
    const ratings = this.#ratings;
    const episodes = this.#episodes;
    for (let row = 0; row < this.#pending; row++) {
      const at = noted[row]!;
      const rating = ratings[row]!;
      sums[at]! += 1;
      if (rating > 0) sums[at + 1]! += 1;
      sums[at + 2]! += rating;
      sums[at + 3]! += episodes[row]!;
    }
    this.#pending = 0;
  }

  /** The non-empty (anime, status) slots as columns, in key order (anime, then status). */
  columns(): {
    anime: number[];
    status: number[];
    entries: number[];
    rated: number[];
    ratingSum: number[];
    episodesSum: number[];
  } {
    const out = {
      anime: [] as number[],
      status: [] as number[],
      entries: [] as number[],
      rated: [] as number[],
      ratingSum: [] as number[],
      episodesSum: [] as number[],
    };
    this.#addNoted();
    const sums = this.#sums;
    for (let slot = 0; slot < this.#animeOf.length; slot++) {
      const at = slot * SUMS;
      if (sums[at] === 0) continue;
      out.anime.push(this.#animeOf[slot]!);
      out.status.push(this.#statusOf[slot]!);
      out.entries.push(sums[at]!);
      out.rated.push(sums[at + 1]!);
      out.ratingSum.push(sums[at + 2]!);
      out.episodesSum.push(sums[at + 3]!);
    }
    return out;
  }
}

/**
 * Creates pg_temp.list_counts (dropped at commit) holding the tally: the rows the COPY wrote (a
 * full refresh's replayed deltas included, counted in the same tally), one row per (anime, status)
 * in key order. The key build's repeats, taken off anime_list later, are subtracted in their key's
 * row (sql/star/duplicate_keys.sql), so it stays one row per key.
 */
export async function writeListCounts(
  tx: Pick<TransactionSql, "unsafe">,
  tally: ListTally,
): Promise<void> {
  await tx.unsafe(await sqlText("load/create_list_counts"));
  const columns = tally.columns();
  // A binary COPY: the 87,000 rows of an 8M-row list as six array parameters took postgres.js
  // 0.4 s to serialize as text before the statement even started.
  await copyBinaryRows(tx, {
    statement: await sqlText("load/copy_list_counts"),
    count: columns.anime.length,
    write(rows, index) {
      rows.startRow(6);
      rows.int4(columns.anime[index]!);
      rows.int2(columns.status[index]!);
      rows.int8(columns.entries[index]!);
      rows.int8(columns.rated[index]!);
      rows.int8(columns.ratingSum[index]!);
      rows.int8(columns.episodesSum[index]!);
    },
  });
}

// Sums per slot, side by side in ListTally's one array.
const SUMS = 4;
// Rows noted before they are added up: enough for the processor to overlap the cache misses.
const BATCH_ROWS = 4096;

// Slot of each key (-1 when undefined), in key order.
function slots(defined: Uint8Array): Int32Array {
  const slot = new Int32Array(defined.length).fill(-1);
  let next = 0;
  for (let key = 0; key < defined.length; key++) if (defined[key] === 1) slot[key] = next++;
  return slot;
}

function keysOf(defined: Uint8Array): number[] {
  const keys: number[] = [];
  for (let key = 0; key < defined.length; key++) if (defined[key] === 1) keys.push(key);
  return keys;
}
