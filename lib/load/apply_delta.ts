// Owns applying one daily delta to anime_list: validating its lines as animelist.csv's, keeping the
// last valid line of each pair, and merging those events by key, with counts that reconcile.
/**
 * @example Inside a run's transaction, with anime_list on the search_path
 * ```ts ignore
 * import { applyDelta } from "./apply_delta.ts";
 * const { result, delta } = await applyDelta(context, { sourceId: 2, listRows: 8_000_000 });
 * console.log(delta.inserted, delta.updated, delta.removed);
 * ```
 */
import type { TransactionSql } from "postgres";
import type { CsvRecord } from "../extract/csv_scanner.ts";
import { fieldText } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import { scanSource } from "../extract/scan_source.ts";
import { ANIME_LIST_COLUMNS, AnimeListEncoder } from "../transform/anime_list_encoder.ts";
import { copyRow } from "../transform/copy_text_row.ts";
import { sqlText } from "../db/sql_files.ts";
import { CopyWriter } from "./copy_writer.ts";
import type { FileLoadContext, FileLoadResult } from "./file_load.ts";
import {
  checkDeltaReferences,
  type ReferenceCheck,
  restoreRowTriggers,
  skipRowTriggers,
} from "./delta_references.ts";
import { type ReferenceLookups } from "./load_anime_list.ts";
import { RejectSink } from "./reject_sink.ts";

/** The optional column of a delta that marks a removal. */
export const REMOVED_COLUMN = "removed";

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

// Kinds of a pair's final event, as delta_events.kind stores them.
const UPSERT = 0;
const REMOVAL = 1;
const INADMISSIBLE = 2;

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

/** A delta read and validated: its file accounting and the final event of each pair. */
export interface DeltaRead {
  result: FileLoadResult;
  events: DeltaEvents;
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

/**
 * Reads and validates one delta: its rejects go to etl.rejects, its final events stay in memory
 * (see {@link copyEvents}).
 *
 * @throws {PipelineError} `CSV_HEADER`, `SOURCE_CHANGED`, ... as any source read.
 */
export async function readDelta(
  context: Omit<FileLoadContext, "keys" | "reopen" | "tx">,
  sourceId: number,
  lookups: ReferenceLookups,
): Promise<DeltaRead> {
  const { source } = context;
  const rejects = new RejectSink(context.sql, context.runId, source.key);
  const events = new DeltaEvents();
  let encoder: AnimeListEncoder | undefined;
  let removedField = -1;
  let scanned: Awaited<ReturnType<typeof scanSource>>;
  try {
    scanned = await scanSource(context.bytes, source.key, {
      required: ANIME_LIST_COLUMNS,
      singleLineColumns: "all",
      onHeader(header) {
        removedField = header.names.indexOf(REMOVED_COLUMN);
        encoder = new AnimeListEncoder(header, {
          ...lookups,
          sourceId,
          reject: (record, reason, detail) => {
            rejects.addRecord(record, reason, detail);
            // A line refused only for its reference is still the pair's latest event.
            if (reason === "unknown_anime_id" || reason === "unknown_watching_status") {
              events.add(
                encoder!.lastUserId,
                encoder!.lastAnimeId,
                INADMISSIBLE,
                record.line,
                encoder!,
                reason,
              );
            }
          },
        });
      },
      onRow(record, header) {
        const removal = removedField < 0 ? false : readRemoved(record, removedField, header);
        if (removal === undefined) {
          const text = fieldText(record, removedField).trim();
          rejects.addRecord(
            record,
            "invalid_value",
            `column "${REMOVED_COLUMN}": "${text}" is not 1, true, 0, false or empty`,
          );
        } else if (removal) {
          if (encoder!.acceptRemoval(record)) {
            events.add(encoder!.lastUserId, encoder!.lastAnimeId, REMOVAL, record.line);
          }
        } else if (encoder!.encode(record)) {
          events.add(encoder!.lastUserId, encoder!.lastAnimeId, UPSERT, record.line, encoder!);
        }
      },
      async afterChunk() {
        // The binary rows are not used: the delta's events go through delta_events instead.
        for (const bytes of encoder?.takeOutput() ?? []) encoder!.recycle(bytes);
        await rejects.flushIfFull();
      },
      onProgress: context.onProgress,
    });
  } catch (error) {
    await rejects.close().catch(() => {});
    throw error;
  }
  await rejects.close();
  const accepted = scanned.rowsRead - rejects.count;
  const { lines } = scanned;
  return {
    result: {
      rowsRead: scanned.rowsRead,
      rowsLoaded: accepted,
      rowsQuarantined: rejects.count,
      rejectsByReason: Object.fromEntries(rejects.countsByReason),
      ignoredColumns: scanned.header.ignored.filter((name) => name !== REMOVED_COLUMN),
      lines: {
        total: lines.total,
        header: lines.header,
        // Every record of a delta is one line: its columns are numbers, which hold no line break.
        loaded: lines.data - rejects.lines,
        quarantined: rejects.lines,
        blank: lines.blank,
      },
    },
    events,
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

/** Copies a delta's final events into a new temporary table delta_events, sorted by key, then keys it. */
export async function copyEvents(
  tx: Pick<TransactionSql, "unsafe">,
  events: DeltaEvents,
): Promise<void> {
  await tx.unsafe(await sqlText("deltas/create_delta_events"));
  const writer = await CopyWriter.open(tx, await sqlText("deltas/copy_delta_events"));
  try {
    for (const row of events.sortedRows()) {
      writer.queue(row);
      await writer.flushIfFull();
    }
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  await tx.unsafe(await sqlText("deltas/key_delta_events"));
}

// `removed`: 1 or true (any case) removes, empty, 0 or false does not; undefined for anything else.
function readRemoved(record: CsvRecord, field: number, header: HeaderMap): boolean | undefined {
  if (record.fieldCount !== header.fieldCount || record.malformed !== undefined) return false;
  let text: string;
  try {
    text = fieldText(record, field).trim().toLowerCase();
  } catch {
    return undefined;
  }
  if (text === "1" || text === "true") return true;
  if (text === "" || text === "0" || text === "false") return false;
  return undefined;
}

/**
 * The events of one delta, by pair: only the last one counts; a valid line overridden by a later
 * one of its pair is superseded (an inadmissible one was already quarantined).
 */
export class DeltaEvents {
  readonly #last = new Map<string, number>();
  readonly #kinds: number[] = [];
  readonly #rows: (string | Uint8Array | null)[] = [];
  readonly #users: number[] = [];
  readonly #animes: number[] = [];
  superseded = 0;

  add(
    userId: number,
    animeId: number,
    kind: number,
    line: number,
    encoder?: AnimeListEncoder,
    heldReason?: string,
  ): void {
    const key = `${userId}:${animeId}`;
    const previous = this.#last.get(key);
    if (previous !== undefined) {
      if (this.#kinds[previous] !== INADMISSIBLE) this.superseded++;
      this.#rows[previous] = null;
    }
    const index = this.#kinds.length;
    this.#last.set(key, index);
    this.#kinds.push(kind);
    this.#users.push(userId);
    this.#animes.push(animeId);
    this.#rows.push(
      encoder && kind !== REMOVAL
        ? copyRow([userId, animeId, ...encoder.lastValues(), line, kind, heldReason ?? null])
        : copyRow([userId, animeId, null, null, null, line, kind, null]),
    );
  }

  finalCount(kind: number): number {
    let count = 0;
    for (const index of this.#last.values()) if (this.#kinds[index] === kind) count++;
    return count;
  }

  /** Calls `visit` with the pair and kind (0 sets values, 1 removes, 2 refers to an undefined key) of each final event. */
  forEachFinal(visit: (userId: number, animeId: number, kind: number) => void): void {
    for (const index of this.#last.values()) {
      visit(this.#users[index]!, this.#animes[index]!, this.#kinds[index]!);
    }
  }

  /** COPY text rows of the final events in (user_id, anime_id) order. */
  sortedRows(): (string | Uint8Array)[] {
    const finals = [...this.#last.values()].sort((a, b) =>
      this.#users[a]! - this.#users[b]! || this.#animes[a]! - this.#animes[b]!
    );
    return finals.map((index) => this.#rows[index]!);
  }
}
