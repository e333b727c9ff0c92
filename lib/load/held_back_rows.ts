// Owns etl.held_back_list_rows as the loaders write it: valid list lines kept off anime_list by the
// dimensions (an undefined anime or status, or a repeat of a snapshot pair), so that a later run that
// only rebuilds the dimensions can admit them (lib/load/reconcile_facts.ts).
/**
 * @example Collect while a file streams, write once its COPY has ended
 * ```ts ignore
 * import { HeldBackRows } from "./held_back_rows.ts";
 * const held = new HeldBackRows(1);
 * held.add(7, 31, [8, 2, 12], 42, "unknown_anime_id");
 * await held.write(tx);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { copyBinaryRows } from "./binary_copy_rows.ts";
import { freeArray } from "./free_array.ts";

/** A set of (user_id, anime_id) pairs, as lib/load/pair_set.ts keeps them. */
export interface PairLookup {
  has(userId: number, animeId: number): boolean;
}

/** Why a valid line is held back. */
export type HeldBackReason = "unknown_anime_id" | "unknown_watching_status" | "duplicate_key";

/** Empties the held-back rows at the start of a full refresh, which rebuilds them all. */
export async function clearHeldBack(tx: Pick<TransactionSql, "unsafe">): Promise<void> {
  await tx.unsafe(await sqlText("held_back/clear"));
}

/** Whether the published data keeps its held-back rows (its last published run counted them). */
export async function heldBackKept(tx: Pick<TransactionSql, "unsafe">): Promise<boolean> {
  const [row] = await tx.unsafe<{ held_back: boolean }[]>(await sqlText("held_back/kept"));
  return row?.held_back ?? false;
}

// Reasons by code, as a held-back row stores them.
const REASONS: readonly HeldBackReason[] = [
  "unknown_anime_id",
  "unknown_watching_status",
  "duplicate_key",
];
// Numbers per row: user, anime, rating, status, episodes, line, reason code.
const FIELDS = 7;
const REASON_BYTES = REASONS.map((reason) => new TextEncoder().encode(reason));

/**
 * The held-back lines of one source object, collected while it streams (the run's transaction is
 * busy with the object's own COPY) and written after. Kept as numbers in one growing Int32Array:
 * a row is 28 bytes however many there are. As COPY text strings (each a chain of concatenated
 * pieces) they grew with the file: 0.4% of the bench's lines are held back, 437,000 at the full
 * Kaggle size.
 */
export class HeldBackRows {
  readonly #sourceId: number;
  #leftOut: PairLookup | undefined;
  #values = new Int32Array(FIELDS * 1024);
  #count = 0;

  /**
   * @param leftOut Pairs whose lines are not held back: a full refresh's snapshot leaves out the
   *   pairs its deltas touch, whose final event decides what is held back of them.
   */
  constructor(sourceId: number, leftOut?: PairLookup) {
    this.#sourceId = sourceId;
    this.#leftOut = leftOut;
  }

  /** Replaces the pairs whose lines are not held back, for the rows added from now on. */
  leaveOut(pairs: PairLookup): void {
    this.#leftOut = pairs;
  }

  /** Rows collected so far. */
  get count(): number {
    return this.#count;
  }

  add(
    userId: number,
    animeId: number,
    values: readonly [number, number, number],
    line: number,
    reason: HeldBackReason,
  ): void {
    if (this.#leftOut?.has(userId, animeId)) return;
    if ((this.#count + 1) * FIELDS > this.#values.length) {
      const grown = new Int32Array(this.#values.length * 2);
      grown.set(this.#values);
      freeArray(this.#values);
      this.#values = grown;
    }
    const at = this.#count * FIELDS;
    const row = this.#values;
    row[at] = userId;
    row[at + 1] = animeId;
    row[at + 2] = values[0];
    row[at + 3] = values[1];
    row[at + 4] = values[2];
    row[at + 5] = line;
    row[at + 6] = REASONS.indexOf(reason);
    this.#count++;
  }

  /** COPYs the collected rows into etl.held_back_list_rows on the transaction. */
  async write(tx: Pick<TransactionSql, "unsafe">): Promise<void> {
    if (this.#count === 0) return;
    const row = this.#values;
    const sourceId = this.#sourceId;
    // Binary rows straight from the array, a megabyte buffer at a time: as COPY text, 4,096 rows a
    // string, the 437,000 lines of the full Kaggle size left about 60 MB more resident after the
    // COPY (a script writing them alone: 85 MB before, 143 MB after).
    await copyBinaryRows(tx, {
      statement: await sqlText("held_back/copy"),
      count: this.#count,
      write(rows, index) {
        const at = index * FIELDS;
        rows.startRow(8);
        rows.int4(row[at]!);
        rows.int4(row[at + 1]!);
        rows.int2(row[at + 2]!);
        rows.int2(row[at + 3]!);
        rows.int4(row[at + 4]!);
        rows.int4(sourceId);
        rows.int4(row[at + 5]!);
        rows.text(REASON_BYTES[row[at + 6]!]!);
      },
    });
    freeArray(this.#values);
    this.#values = new Int32Array(FIELDS * 1024);
    this.#count = 0;
  }
}
