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
import { CopyWriter } from "./copy_writer.ts";

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
// Rows per COPY row batch: the text of a batch is built at once, never of all rows.
const BATCH_ROWS = 4096;

/**
 * The held-back lines of one source object, collected while it streams (the run's transaction is
 * busy with the object's own COPY) and written after. Kept as numbers in one growing Int32Array:
 * a row is 28 bytes however many there are. As COPY text strings (each a chain of concatenated
 * pieces) they grew with the file: 0.4% of the bench's lines are held back, 437,000 at the full
 * Kaggle size.
 */
export class HeldBackRows {
  readonly #sourceId: number;
  readonly #leftOut: PairLookup | undefined;
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
    const writer = await CopyWriter.open(tx, await sqlText("held_back/copy"));
    try {
      const row = this.#values;
      for (let first = 0; first < this.#count; first += BATCH_ROWS) {
        const last = Math.min(first + BATCH_ROWS, this.#count);
        let text = "";
        for (let index = first; index < last; index++) {
          const at = index * FIELDS;
          text += `${row[at]}\t${row[at + 1]}\t${row[at + 2]}\t${row[at + 3]}\t${
            row[at + 4]
          }\t${this.#sourceId}\t${row[at + 5]}\t${REASONS[row[at + 6]!]}\n`;
        }
        writer.queue(text);
        await writer.flushIfFull();
      }
      await writer.end();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    this.#values = new Int32Array(FIELDS * 1024);
    this.#count = 0;
  }
}
