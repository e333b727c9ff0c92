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

/**
 * Entries, rated entries, rating sum and watched episodes per (anime, status), in dense arrays:
 * one slot per defined anime and status (about 17,500 x 6 for the Kaggle files), so a row costs
 * two lookups and four additions, nothing allocated. Sums are exact in a double up to 2^53.
 */
export class ListTally {
  readonly #animeSlot: Int32Array;
  readonly #statusSlot: Int32Array;
  readonly #statuses: number;
  readonly #animeOf: Int32Array;
  readonly #statusOf: Int32Array;
  readonly entries: Float64Array;
  readonly rated: Float64Array;
  readonly ratingSum: Float64Array;
  readonly episodesSum: Float64Array;

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
    this.entries = new Float64Array(size);
    this.rated = new Float64Array(size);
    this.ratingSum = new Float64Array(size);
    this.episodesSum = new Float64Array(size);
  }

  /** Counts one row; its anime and status must be defined (the encoder checked them). */
  add(animeId: number, status: number, rating: number, episodes: number): void {
    const slot = this.#animeSlot[animeId]! * this.#statuses + this.#statusSlot[status]!;
    this.entries[slot]! += 1;
    if (rating > 0) this.rated[slot]! += 1;
    this.ratingSum[slot]! += rating;
    this.episodesSum[slot]! += episodes;
  }

  /** The non-empty (anime, status) slots as columns, for one insert. */
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
    for (let slot = 0; slot < this.entries.length; slot++) {
      if (this.entries[slot] === 0) continue;
      out.anime.push(this.#animeOf[slot]!);
      out.status.push(this.#statusOf[slot]!);
      out.entries.push(this.entries[slot]!);
      out.rated.push(this.rated[slot]!);
      out.ratingSum.push(this.ratingSum[slot]!);
      out.episodesSum.push(this.episodesSum[slot]!);
    }
    return out;
  }
}

/**
 * Creates pg_temp.list_counts (dropped at commit) holding the tally: the rows the COPY wrote.
 * Later statements that take rows off anime_list subtract them there (the key build's repeats,
 * a replay's replaced pairs) and add what they put back.
 */
export async function writeListCounts(
  tx: Pick<TransactionSql, "unsafe">,
  tally: ListTally,
): Promise<void> {
  await tx.unsafe(await sqlText("load/create_list_counts"));
  const columns = tally.columns();
  await tx.unsafe(await sqlText("load/insert_list_counts"), [
    columns.anime,
    columns.status,
    columns.entries,
    columns.rated,
    columns.ratingSum,
    columns.episodesSum,
  ]);
}

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
