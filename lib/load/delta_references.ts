// Owns how a merged delta's rows are held to anime_list's foreign keys: one set-based check of the
// delta's own rows in place of the per-row triggers when the role may turn those off, else the
// triggers themselves.
/**
 * @example Around the merge's INSERT, inside the run's transaction
 * ```ts ignore
 * import { checkDeltaReferences, restoreRowTriggers, skipRowTriggers } from "./delta_references.ts";
 * const path = await skipRowTriggers(tx);
 * await tx.unsafe(insertText, [sourceId]);
 * if (path === "set-based") {
 *   await restoreRowTriggers(tx);
 *   await checkDeltaReferences(tx, { key, sourceId });
 * }
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { PipelineError } from "../errors.ts";

/**
 * How a delta's inserted rows were checked against the dimensions: `set-based` (the per-row
 * triggers off for the INSERT, one anti-join of its rows after it) or `per-row` (the foreign keys'
 * own triggers, when the role may not set session_replication_role).
 */
export type ReferenceCheck = "set-based" | "per-row";

/**
 * Turns the per-row triggers off for the rest of the transaction when the role may (superuser, or
 * `GRANT SET ON PARAMETER session_replication_role`); says which check the rows will get.
 */
export async function skipRowTriggers(
  tx: Pick<TransactionSql, "unsafe">,
): Promise<ReferenceCheck> {
  const rows = await tx.unsafe<{ skipped: boolean }[]>(await sqlText("deltas/skip_row_triggers"));
  return rows[0]?.skipped === true ? "set-based" : "per-row";
}

/** Turns the per-row triggers back on (after the merge's INSERT). */
export async function restoreRowTriggers(tx: Pick<TransactionSql, "unsafe">): Promise<void> {
  await tx.unsafe(await sqlText("deltas/restore_row_triggers"));
}

/**
 * Proves that every row the delta put on anime_list (delta_events, kind 0) refers to an existing
 * anime_master, anime_watching_status and anime_list_source row, and locks those rows as the
 * foreign keys' triggers would.
 *
 * @throws {PipelineError} `QUALITY_FAILED` naming the delta and the first missing keys: the run
 *   fails and its transaction publishes nothing.
 */
export async function checkDeltaReferences(
  tx: Pick<TransactionSql, "unsafe">,
  delta: { key: string; sourceId: number },
): Promise<void> {
  const [found] = await tx.unsafe<
    { missing_anime: number[]; missing_status: number[]; missing_source: boolean }[]
  >(await sqlText("deltas/check_delta_references"), [delta.sourceId]);
  const missing = [
    ...(found!.missing_anime.length > 0
      ? [`anime_id ${found!.missing_anime.join(", ")} not in anime_master`]
      : []),
    ...(found!.missing_status.length > 0
      ? [`watching_status ${found!.missing_status.join(", ")} not in anime_watching_status`]
      : []),
    ...(found!.missing_source ? [`source_id ${delta.sourceId} not in anime_list_source`] : []),
  ];
  if (missing.length > 0) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot apply "${delta.key}": rows it put on anime_list refer to missing dimension rows ` +
        `(${missing.join("; ")})`,
      { stage: "load" },
    );
  }
}
