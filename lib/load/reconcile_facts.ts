// Owns bringing the published dimensions to the ones a run rebuilt in etl_stage, in place, and
// reconciling anime_list with them set-based, without reloading it: the facts they no longer define
// leave the list (held back and quarantined), the held-back lines they now define join it.
/**
 * @example Inside a run's transaction, once the dimension files are loaded into etl_stage
 * ```ts ignore
 * import { reconcileFacts } from "./reconcile_facts.ts";
 * const counts = await reconcileFacts(tx, runId);
 * console.log(counts.removed, counts.admitted);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { restoreRowTriggers, skipRowTriggers } from "./delta_references.ts";

/** What reconciling the list with rebuilt dimensions did to it. */
export interface FactReconciliation {
  /** Anime ids and status codes the published dimensions defined and the rebuilt ones do not. */
  removedKeys: { anime: number; statuses: number };
  /** Fact rows that left the list for an anime or status no longer defined (quarantined). */
  removed: number;
  /** Held-back lines that joined the list (net new pairs plus the replacements below). */
  admitted: number;
  /** Rows of the list replaced by an earlier line of the snapshot that is now admissible. */
  replaced: number;
}

/**
 * Updates the published dimensions from etl_stage in place and reconciles anime_list and its
 * aggregates with them, in the run's transaction: readers see the old tables until the commit, and
 * anime_list is changed only where the dimensions changed (never rewritten). The aggregates change
 * by the rows that left and joined the list, as a delta's do (never a GROUP BY of the list); the
 * list is scanned only when the aggregates count fact rows of a removed key. Order matters for the
 * foreign keys: new keys first, then the facts and the aggregates, then the keys that disappeared.
 * Leaves public first on the search_path.
 *
 * @param runId The run whose rejects receive the rows that leave the list.
 * @throws {Error} When the rows a step moved do not add up (a bug, never bad input), or a table
 *   still refers to a deleted key.
 */
export async function reconcileFacts(
  tx: Pick<TransactionSql, "unsafe">,
  runId: number,
): Promise<FactReconciliation> {
  await tx.unsafe(await sqlText("dimensions/removed_keys"));
  const [keys] = await tx.unsafe<{ anime: number; statuses: number; facts: number }[]>(
    await sqlText("dimensions/count_removed_keys"),
  );
  const removedKeys = { anime: keys!.anime, statuses: keys!.statuses };
  await tx.unsafe(await sqlText("dimensions/upsert_dimensions"));
  let removed = 0;
  // A scan of the fact table only when some fact row refers to a key that disappeared: a new anime,
  // a changed score or a removed anime nobody listed needs none.
  if (keys!.facts > 0) {
    const [gone] = await tx.unsafe<{ removed: number; held: number; quarantined: number }[]>(
      await sqlText("dimensions/remove_facts"),
      [runId],
    );
    removed = gone!.removed;
    assertEqual("rows removed, held back, quarantined and counted by the aggregates", [
      removed,
      gone!.held,
      gone!.quarantined,
      keys!.facts,
    ]);
  }
  await tx.unsafe(await sqlText("dimensions/choose_admitted"));
  const [outranked] = await tx.unsafe<{ replaced: number; quarantined: number }[]>(
    await sqlText("dimensions/displace_outranked"),
    [runId],
  );
  const [moved] = await tx.unsafe<{ admitted: number; released: number }[]>(
    await sqlText("dimensions/admit_held_back"),
  );
  assertEqual("rows replaced and quarantined", [outranked!.replaced, outranked!.quarantined]);
  assertEqual("held-back rows admitted and released", [moved!.admitted, moved!.released]);
  await tx.unsafe(await sqlText("dimensions/aggregate_change"));
  await tx.unsafe("set local search_path to public");
  await tx.unsafe(await sqlText("star/apply_aggregate_change"));
  if (removedKeys.anime + removedKeys.statuses > 0) await deleteRemovedKeys(tx);
  return { removedKeys, removed, admitted: moved!.admitted, replaced: outranked!.replaced };
}

// Deletes the keys that disappeared: with the per-row triggers off and one set-based check of the
// references when the role may (each key's own check would scan anime_list), else with them.
async function deleteRemovedKeys(tx: Pick<TransactionSql, "unsafe">): Promise<void> {
  const check = await skipRowTriggers(tx);
  await tx.unsafe(await sqlText("dimensions/delete_removed_keys"));
  if (check === "per-row") return;
  await restoreRowTriggers(tx);
  const [found] = await tx.unsafe<{ tables: string[] }[]>(
    await sqlText("dimensions/check_removed_keys"),
  );
  if (found!.tables.length > 0) {
    throw new Error(
      `Cannot reconcile anime_list: ${found!.tables.join(", ")} still refer to a removed key`,
    );
  }
}

// Every row that moves is counted on both sides; a difference is a bug, never bad input.
function assertEqual(what: string, counts: number[]): void {
  if (counts.some((count) => count !== counts[0])) {
    throw new Error(`Cannot reconcile anime_list: ${what} differ (${counts.join(", ")})`);
  }
}
