// Owns a full refresh's deltas replayed in one pass: each delta read and validated in key order
// before the snapshot streams (whose rows of the pairs they touch are then never written), the
// final event of each pair across all of them appended to the staged anime_list before its primary
// key is built, and each delta's counts recorded exactly as applying them day by day gives them.
/**
 * @example Around the snapshot's key build in a full refresh
 * ```ts ignore
 * import { DeltaReplay } from "./replay_deltas.ts";
 * const replay = new DeltaReplay(step, deltas, 2);
 * // animelist.csv's loader calls replay.stage(tx, lookups) before its COPY and
 * // replay.apply(tx, touched) after it, before its key
 * const listRows = await replay.finish(tx, snapshotRows);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { DeltaObject } from "../extract/delta_objects.ts";
import { deltaCounts, type DeltaTally, readDelta, tallyEvents } from "../load/apply_delta.ts";
import { checkAccounting } from "../load/check_accounting.ts";
import type { ReferenceLookups } from "../load/load_anime_list.ts";
import { PairSet } from "../load/pair_set.ts";
import { CopyWriter } from "../load/copy_writer.ts";
import { recordSource } from "./apply_deltas.ts";
import { type LoadStep, startFileRead } from "./load_sources.ts";
import { finishFile, finishListSource } from "./run_log.ts";
import type { FileSummary } from "./run_summary.ts";

interface Staged {
  file: FileSummary;
  tally: DeltaTally;
  sourceId: number;
  /** The delta's final events: the entry of each one's pair in the touched set, and its kind. */
  entries: Int32Array;
  kinds: Uint8Array;
}

// Kinds of a final event (lib/load/apply_delta.ts).
const UPSERT = 0;
const REMOVAL = 1;

const number = (value: number) => value.toLocaleString("en-US");

/** The deltas of one full refresh, staged while the snapshot has no key yet, then accounted. */
export class DeltaReplay {
  readonly #step: Omit<LoadStep, "sources">;
  readonly #deltas: readonly DeltaObject[];
  readonly #firstSourceId: number;
  readonly #staged: Staged[] = [];
  #touched = new PairSet();

  constructor(
    step: Omit<LoadStep, "sources">,
    deltas: readonly DeltaObject[],
    firstSourceId: number,
  ) {
    this.#step = step;
    this.#deltas = deltas;
    this.#firstSourceId = firstSourceId;
  }

  /**
   * Reads every delta (rejects, threshold) and collects the final event of each pair across them.
   * Call before the snapshot's COPY.
   *
   * @returns The pairs the deltas touch, for the snapshot's encoder to leave out and count.
   * @throws {PipelineError} `REJECT_THRESHOLD` naming the delta's key, or any read failure.
   */
  async stage(tx: TransactionSql, lookups: ReferenceLookups): Promise<PairSet> {
    const step = this.#step;
    const { connections, stop } = step;
    const touched = this.#touched;
    await tx.unsafe(await sqlText("deltas/create_replay_events"));
    for (const [index, source] of this.#deltas.entries()) {
      stop.throwIfStopped();
      const sourceId = this.#firstSourceId + index;
      await recordSource(tx, source, sourceId);
      const started = performance.now();
      const { fileProgress, bytes, onProgress } = startFileRead(step, source);
      const read = await readDelta(
        { sql: connections.log, runId: step.runId, source, bytes, onProgress },
        sourceId,
        lookups,
      );
      const entries: number[] = [];
      const kinds: number[] = [];
      read.events.forEachFinal((userId, animeId, kind) => {
        entries.push(touched.add(userId, animeId));
        kinds.push(kind);
      });
      await tx.unsafe(await sqlText("deltas/replay_source"), [sourceId]);
      await copyRows(tx, "deltas/copy_replay_events", read.events.sortedRows());
      const file: FileSummary = {
        ...read.result,
        file: source.file,
        key: source.key,
        etag: source.etag,
        sizeBytes: source.size,
        seconds: (performance.now() - started) / 1000,
      };
      await finishFile(connections.log, step.runId, file);
      this.#staged.push({
        file,
        tally: tallyEvents(read.events),
        sourceId,
        entries: Int32Array.from(entries),
        kinds: Uint8Array.from(kinds),
      });
      // Its counts exist once every delta is in: the summary prints them.
      fileProgress.finish(
        `${number(file.rowsRead)} read, ${number(file.rowsQuarantined)} quarantined, ` +
          "replayed with the other deltas",
      );
      try {
        checkAccounting(source.key, read.result, step.limits.rejectThreshold);
      } catch (error) {
        step.files.push(file);
        throw error;
      }
    }
    stop.throwIfStopped();
    await tx.unsafe(await sqlText("deltas/replay_finals"));
    return touched;
  }

  /**
   * Once the snapshot's COPY has ended (the touched pairs' occurrences in the snapshot counted by
   * its encoder): appends the pairs whose final event sets values. Call before the key build.
   */
  async apply(tx: TransactionSql): Promise<void> {
    await tx.unsafe(await sqlText("deltas/replay_apply"));
  }

  /**
   * Once the snapshot is keyed and its held-back lines written: each delta's counts, the held-back
   * lines after all of them, and each delta's entry in the ledger and the summary.
   *
   * @param listRows anime_list rows after the snapshot (its loaded rows).
   * @returns anime_list rows after the last delta.
   */
  async finish(tx: TransactionSql, listRows: number): Promise<number> {
    if (this.#deltas.length === 0) return listRows;
    const step = this.#step;
    await tx.unsafe(await sqlText("deltas/replay_held_back"));
    // A pair is on the list before a delta when its previous delta's final event set values or,
    // touched for the first time, when the snapshot had it: so a pair updated by delta 1 and again
    // by delta 2 is one update in each, exactly as day by day. counts_reconcile then compares the
    // last delta's rows with the table's.
    const touched = this.#touched;
    const onList = new Uint8Array(touched.size);
    for (let entry = 0; entry < touched.size; entry++) {
      onList[entry] = touched.occurrences(entry) > 0 ? 1 : 0;
    }
    let rowsAfter = listRows;
    for (const staged of this.#staged) {
      const merged = { put: 0, updated: 0, removed: 0, displaced: 0 };
      for (let at = 0; at < staged.entries.length; at++) {
        const entry = staged.entries[at]!;
        const kind = staged.kinds[at]!;
        const existed = onList[entry] === 1;
        if (kind === UPSERT) {
          merged.put++;
          if (existed) merged.updated++;
        } else if (existed) {
          if (kind === REMOVAL) merged.removed++;
          else merged.displaced++;
        }
        onList[entry] = kind === UPSERT ? 1 : 0;
      }
      const delta = deltaCounts(
        staged.tally,
        { sourceId: staged.sourceId, listRows: rowsAfter },
        merged,
      );
      rowsAfter = delta.listRows;
      staged.file.delta = delta;
      step.files.push(staged.file);
      await finishListSource(step.connections.log, step.runId, staged.file.file, {
        sourceId: staged.sourceId,
        listRows: rowsAfter,
        delta,
      });
    }
    return rowsAfter;
  }
}

// Streams COPY text rows into the sql/ file's `COPY ... FROM STDIN`.
async function copyRows(
  tx: TransactionSql,
  copy: string,
  rows: Iterable<string | Uint8Array>,
): Promise<void> {
  const writer = await CopyWriter.open(tx, await sqlText(copy));
  try {
    for (const row of rows) {
      writer.queue(row);
      await writer.flushIfFull();
    }
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
