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
import { copyRow } from "../transform/copy_text_row.ts";
import { CopyWriter } from "./copy_writer.ts";

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

/**
 * The held-back lines of one source object, collected while it streams (the run's transaction is
 * busy with the object's own COPY) and written after.
 */
export class HeldBackRows {
  readonly #sourceId: number;
  readonly #rows: string[] = [];

  constructor(sourceId: number) {
    this.#sourceId = sourceId;
  }

  /** Rows collected so far. */
  get count(): number {
    return this.#rows.length;
  }

  add(
    userId: number,
    animeId: number,
    values: readonly [number, number, number],
    line: number,
    reason: HeldBackReason,
  ): void {
    this.#rows.push(
      copyRow([userId, animeId, ...values, this.#sourceId, line, reason]) as string,
    );
  }

  /** COPYs the collected rows into etl.held_back_list_rows on the transaction. */
  async write(tx: Pick<TransactionSql, "unsafe">): Promise<void> {
    if (this.#rows.length === 0) return;
    const writer = await CopyWriter.open(tx, await sqlText("held_back/copy"));
    try {
      for (const row of this.#rows) {
        writer.queue(row);
        await writer.flushIfFull();
      }
      await writer.end();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    this.#rows.length = 0;
  }
}
