// Owns applying one daily delta to anime_list: its final events (read by lib/load/read_delta.ts)
// merged by key, with counts that reconcile.
/**
 * @example Inside a run's transaction, with anime_list on the search_path
 * ```ts ignore
 * import { applyDelta } from "./apply_delta.ts";
 * const { result, delta } = await applyDelta(context, { sourceId: 2, listRows: 8_000_000 });
 * console.log(delta.inserted, delta.updated, delta.removed);
 * ```
 */
import { sqlText } from "../db/sql_files.ts";
import type { FileLoadContext, FileLoadResult } from "./file_load.ts";
import {
  checkDeltaReferences,
  type ReferenceCheck,
  restoreRowTriggers,
  skipRowTriggers,
} from "./delta_references.ts";
import { copyEvents, type DeltaEvents, REMOVAL, UPSERT } from "./delta_events.ts";
import { type ReferenceLookups } from "./load_anime_list.ts";
import { readDelta } from "./read_delta.ts";

/**
 * What one delta did to the list. Every data line is exactly one of inserted, updated, removed,
 * absentRemovals, superseded or quarantined; displaced pairs are a subset of the quarantined lines.
 */
export interface DeltaCounts {
  sourceId: number;
  inserted: number;
  updated: number;
  removed: number;
  absentRemovals: number;
  superseded: number;
  /** Pairs on the list whose final line was quarantined for an undefined reference. */
  displaced: number;
  /** anime_list rows after the delta: before + inserted - removed - displaced. */
  listRows: number;
}

/**
 * A delta's file accounting (accepted lines count as loaded), its event counts and how its inserted
 * rows were held to the foreign keys.
 */
export interface DeltaApplied {
  result: FileLoadResult;
  delta: DeltaCounts;
  referenceCheck: ReferenceCheck;
}

/**
 * Applies one delta to the `anime_list` on the transaction's search_path.
 *
 * @param context The delta as a source object, the run's transaction and the rejects' pool.
 * @param position Its source id, the list's rows before it (from the ledger, never a count), and
 *   whether it also updates the aggregates (anime_stats, anime_status_stats) from its own rows.
 * @param lookups The anime ids and status codes defined now.
 * @throws {PipelineError} `CSV_HEADER`, `SOURCE_CHANGED`, ... as any source read.
 */
export async function applyDelta(
  context: Omit<FileLoadContext, "keys" | "reopen">,
  position: { sourceId: number; listRows: number; maintainAggregates?: boolean },
  lookups: ReferenceLookups,
): Promise<DeltaApplied> {
  const read = await readDelta(context, position.sourceId, lookups);
  const { events } = read;
  const applied = await mergeEvents(context, events, position);
  const upserts = events.finalCount(UPSERT);
  if (applied.put !== upserts) {
    throw new Error(
      `Cannot apply "${context.source.key}": ${upserts} rows to write, ${applied.put} written`,
    );
  }
  const delta = deltaCounts(tallyEvents(events), position, applied);
  return { result: read.result, delta, referenceCheck: applied.referenceCheck };
}

/** What merging a delta's final events found on the list, by the kind of each pair's event. */
export interface MergedCounts {
  /** Pairs whose final event set values (all written). */
  put: number;
  /** Of those, pairs that were on the list. */
  updated: number;
  /** Removals of pairs that were on the list. */
  removed: number;
  /** Inadmissible final lines of pairs that were on the list. */
  displaced: number;
}

/** What a delta's own lines decide, before it meets the list. */
export interface DeltaTally {
  /** Valid lines overridden by a later line of their pair. */
  superseded: number;
  /** Pairs whose final event removes them. */
  removals: number;
  /** Pairs whose final event sets values. */
  upserts: number;
}

/** The tally of a delta's events. */
export function tallyEvents(events: DeltaEvents): DeltaTally {
  return {
    superseded: events.superseded,
    removals: events.finalCount(REMOVAL),
    upserts: events.finalCount(UPSERT),
  };
}

/** A delta's counts from what its merge found (day by day, or replayed in bulk). */
export function deltaCounts(
  tally: DeltaTally,
  position: { sourceId: number; listRows: number },
  applied: MergedCounts,
): DeltaCounts {
  const removals = tally.removals;
  return {
    sourceId: position.sourceId,
    inserted: applied.put - applied.updated,
    updated: applied.updated,
    removed: applied.removed,
    absentRemovals: removals - applied.removed,
    superseded: tally.superseded,
    displaced: applied.displaced,
    listRows: position.listRows + applied.put - applied.updated - applied.removed -
      applied.displaced,
  };
}

// Copies the final events into delta_events (sorted by key), then merges them on the primary key
// in three statements: the pairs on the list whose final event sets values are updated in place
// (HOT, in the room anime_list's fillfactor leaves), the removed and displaced pairs deleted, the
// new pairs inserted. Each statement keeps the old values it replaced or took off in delta_removed,
// which the aggregates subtract, adding the new values. Measured against delete-then-insert,
// INSERT ... ON CONFLICT and MERGE by their WAL, which is what a delta touching most pages of the
// table costs (docs/daily_deltas.md, "The merge"). The foreign keys of the updated and inserted rows
// are checked once for the whole set when the role may skip their per-row triggers (lib/load/
// delta_references.ts): at 80,000 rows those triggers took most of the INSERT's time.
async function mergeEvents(
  context: Omit<FileLoadContext, "keys" | "reopen">,
  events: DeltaEvents,
  position: { sourceId: number; maintainAggregates?: boolean },
): Promise<MergedCounts & { referenceCheck: ReferenceCheck }> {
  const { tx } = context;
  await copyEvents(tx, events);
  await tx.unsafe(await sqlText("deltas/probe_plan"));
  const referenceCheck = await skipRowTriggers(tx);
  const [changed] = await tx.unsafe<{ updated: number }[]>(
    await sqlText("deltas/update_delta_pairs"),
    [position.sourceId],
  );
  const [gone] = await tx.unsafe<{ removed: number; displaced: number }[]>(
    await sqlText("deltas/remove_delta_pairs"),
  );
  // The INSERT reads only the two temporary tables: the planner may hash them.
  await tx.unsafe(await sqlText("deltas/restore_plan"));
  const inserted = await tx.unsafe(await sqlText("deltas/insert_delta_rows"), [position.sourceId]);
  if (referenceCheck === "set-based") {
    await restoreRowTriggers(tx);
    await checkDeltaReferences(tx, { key: context.source.key, sourceId: position.sourceId });
  }
  // The held-back lines follow the same last-line-wins order as the list's rows.
  await tx.unsafe(await sqlText("deltas/release_held_back"));
  await tx.unsafe(await sqlText("deltas/hold_back_delta_rows"), [position.sourceId]);
  if (position.maintainAggregates) {
    await tx.unsafe(await sqlText("deltas/update_aggregates"));
    await tx.unsafe(await sqlText("star/apply_aggregate_change"));
    await tx.unsafe(await sqlText("star/build_genre_stats"));
  }
  return {
    put: changed!.updated + inserted.count,
    updated: changed!.updated,
    removed: gone!.removed,
    displaced: gone!.displaced,
    referenceCheck,
  };
}
