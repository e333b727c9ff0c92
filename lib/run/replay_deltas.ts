// Owns a full refresh's deltas replayed in one pass: each delta read and validated in key order
// before the snapshot streams (whose rows of the pairs they touch are then never written), the
// final event of each pair across all of them kept in the client and appended to the staged
// anime_list before its primary key is built, and each delta's counts recorded exactly as applying
// them day by day gives them.
/**
 * @example Around the snapshot's key build in a full refresh
 * ```ts ignore
 * import { DeltaReplay } from "./replay_deltas.ts";
 * const replay = new DeltaReplay(step, deltas, 2);
 * // animelist.csv's loader calls replay.stage(tx, lookups) before its COPY and
 * // replay.apply(tx) after it, before its key
 * const listRows = await replay.finish(tx, snapshotRows);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { countText } from "../runtime/count_text.ts";
import type { DeltaObject } from "../extract/delta_objects.ts";
import { deltaCounts, type DeltaTally } from "../load/apply_delta.ts";
import { copyBinaryRows } from "../load/binary_copy_rows.ts";
import { checkAccounting } from "../load/check_accounting.ts";
import { DeltaEvents, INADMISSIBLE, REMOVAL, UPSERT } from "../load/delta_events.ts";
import { HeldBackRows } from "../load/held_back_rows.ts";
import type { ListTally } from "../load/list_counts.ts";
import type { ReferenceLookups } from "../load/load_anime_list.ts";
import type { PairRepeat, PairSet } from "../load/pair_set.ts";
import { readDelta } from "../load/read_delta.ts";
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

const number = countText;

/** The deltas of one full refresh, staged while the snapshot has no key yet, then accounted. */
export class DeltaReplay {
  readonly #step: Omit<LoadStep, "sources">;
  readonly #deltas: readonly DeltaObject[];
  readonly #firstSourceId: number;
  readonly #staged: Staged[] = [];
  // Each touched pair's final event across the deltas read so far, with the delta that set it:
  // every delta is read straight into it, laid over the ones before (DeltaEvents.startDelta).
  readonly #finals = new DeltaEvents();
  // What finish needs of the touched pairs once apply has written their final rows and released
  // their arrays: whether the snapshot had each one, and the final events held back.
  #snapshotHad: Uint8Array | undefined;
  #heldBack: HeldBackRows[] = [];

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
    // Each delta's last rejects are committed while the next one is read: a round trip a delta.
    const rejectsWritten: Promise<void>[] = [];
    try {
      await this.#readAll(tx, lookups, rejectsWritten);
    } catch (error) {
      // The failure is the read's (a delta over the threshold keeps its rejects, as day by day).
      await Promise.allSettled(rejectsWritten);
      throw error;
    }
    await Promise.all(rejectsWritten);
    this.#step.stop.throwIfStopped();
    return this.#finals.pairs;
  }

  async #readAll(
    tx: TransactionSql,
    lookups: ReferenceLookups,
    rejectsWritten: Promise<void>[],
  ): Promise<void> {
    const step = this.#step;
    const { connections, stop } = step;
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
        { writeRejectsLater: true, into: this.#finals, over: true },
      );
      rejectsWritten.push(read.rejectsWritten);
      // The delta's own final events: those of the pairs it touched, before the next one is read.
      const entries = this.#finals.deltaEntries();
      const kinds = new Uint8Array(entries.length);
      const tally: DeltaTally = { superseded: this.#finals.superseded, removals: 0, upserts: 0 };
      for (let at = 0; at < entries.length; at++) {
        const kind = this.#finals.kind(entries[at]!);
        kinds[at] = kind;
        if (kind === REMOVAL) tally.removals++;
        else if (kind === UPSERT) tally.upserts++;
      }
      const file: FileSummary = {
        ...read.result,
        file: source.file,
        key: source.key,
        etag: source.etag,
        sizeBytes: source.size,
        seconds: (performance.now() - started) / 1000,
      };
      await finishFile(connections.log, step.runId, file);
      this.#staged.push({ file, tally, sourceId, entries, kinds });
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
  }

  /**
   * Once the snapshot's COPY has ended (the touched pairs' occurrences in the snapshot counted by
   * its encoder): appends the pairs whose final event sets values, counted into the snapshot's
   * `tally` (sent to pg_temp.list_counts after), then releases the touched set and the final
   * events (the set {@link stage} returned is empty afterwards). Call before the key build.
   *
   * @returns The touched pairs the snapshot held more than once, with their repeats: quarantined
   *   as `duplicate_key` like every other repeat, though none of their rows was written.
   */
  async apply(tx: TransactionSql, tally: ListTally): Promise<PairRepeat[]> {
    const finals = this.#finals;
    const rows = new Int32Array(finals.finalCount(UPSERT));
    let count = 0;
    for (const entry of finals.pairs.sortedEntries()) {
      if (finals.kind(entry) === UPSERT) rows[count++] = entry;
    }
    await copyBinaryRows(tx, {
      statement: await sqlText("deltas/replay_apply"),
      count,
      write: (out, index) => finals.writeListRow(out, rows[index]!, tally),
    });
    return this.#release();
  }

  // Keeps of the touched pairs what finish needs (a byte a pair, and the held-back final events)
  // and frees the rest at once. Held until the run's end, the set and the final events sat under
  // the key build, the held-back lines' COPY and the checks: at 109M rows with a delta of 1.03M
  // pairs, the process's external memory fell from 95 to 29 MB here (Deno.memoryUsage sampled).
  #release(): PairRepeat[] {
    const finals = this.#finals;
    const touched = finals.pairs;
    const snapshotHad = new Uint8Array(touched.size);
    const repeats: PairRepeat[] = [];
    for (let entry = 0; entry < touched.size; entry++) {
      const occurrences = touched.occurrences(entry);
      if (occurrences > 0) snapshotHad[entry] = 1;
      if (occurrences > 1) {
        repeats.push([touched.userId(entry), touched.animeId(entry), occurrences - 1]);
      }
    }
    // The held-back lines after all the deltas: a touched pair keeps only its final event's line,
    // when that refers to an anime or status the dimensions do not define (as day by day leaves
    // it). The snapshot held back none of the touched pairs' lines (its HeldBackRows leaves them
    // out).
    const bySource = new Map<number, HeldBackRows>();
    for (let entry = 0; entry < finals.size; entry++) {
      if (finals.kind(entry) !== INADMISSIBLE) continue;
      const held = finals.heldBack(entry);
      let rows = bySource.get(held.sourceId);
      if (rows === undefined) bySource.set(held.sourceId, rows = new HeldBackRows(held.sourceId));
      rows.add(touched.userId(entry), touched.animeId(entry), held.values, held.line, held.reason);
    }
    this.#snapshotHad = snapshotHad;
    this.#heldBack = [...bySource.values()];
    finals.release();
    return repeats;
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
    // apply did not run when no fact file was loaded: nothing was released yet.
    if (this.#snapshotHad === undefined) this.#release();
    for (const rows of this.#heldBack) await rows.write(tx);
    // A pair is on the list before a delta when its previous delta's final event set values or,
    // touched for the first time, when the snapshot had it: so a pair updated by delta 1 and again
    // by delta 2 is one update in each, exactly as day by day. counts_reconcile then compares the
    // last delta's rows with the table's.
    const onList = this.#snapshotHad!;
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
