// Owns the final event of each (user_id, anime_id) pair of a delta, in typed arrays keyed by a
// PairSet (last line wins, earlier valid lines superseded), and staging them into delta_events.
/**
 * @example The last line of a pair wins; the earlier valid one is superseded
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeltaEvents, REMOVAL, UPSERT } from "./delta_events.ts";
 * const events = new DeltaEvents();
 * events.add(7, 31, { kind: UPSERT, line: 2, values: [8, 2, 12] });
 * events.add(7, 31, { kind: REMOVAL, line: 3 });
 * assert.equal(events.superseded, 1);
 * assert.equal(events.finalCount(REMOVAL), 1);
 * assert.equal(events.finalCount(UPSERT), 0);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { type BinaryCopyRows, copyBinaryRows } from "./binary_copy_rows.ts";
import type { ListTally } from "./list_counts.ts";
import { freeArray } from "./free_array.ts";
import { PairSet } from "./pair_set.ts";

/** Kind of a pair's final event, as delta_events.kind stores it: the line sets the pair's values. */
export const UPSERT = 0;
/** The line removes the pair. */
export const REMOVAL = 1;
/**
 * The line refers to an anime or status the dimensions do not define: it is quarantined, the pair
 * leaves the list and the line is held back.
 */
export const INADMISSIBLE = 2;
/** A final event's kind: {@link UPSERT}, {@link REMOVAL} or {@link INADMISSIBLE}. */
export type EventKind = typeof UPSERT | typeof REMOVAL | typeof INADMISSIBLE;

/** Why an inadmissible line is held back (etl.held_back_list_rows.reason). */
export type InadmissibleReason = "unknown_anime_id" | "unknown_watching_status";

/** One line's event for its pair. */
export interface DeltaEvent {
  kind: EventKind;
  /** 1-based line of the delta. */
  line: number;
  /** rating, watching_status, watched_episodes; required unless the kind is {@link REMOVAL}. */
  values?: readonly [number, number, number];
  /** Required when the kind is {@link INADMISSIBLE}. */
  heldReason?: InadmissibleReason;
}

// Reasons by code, as the arrays store them (0: none).
const REASONS: readonly (InadmissibleReason | null)[] = [
  null,
  "unknown_anime_id",
  "unknown_watching_status",
];
const REASON_BYTES = REASONS.map((reason) => new TextEncoder().encode(reason ?? ""));

/**
 * The events of one delta, by pair: only the last one counts; a valid line overridden by a later
 * one of its pair is superseded (an inadmissible one was already quarantined). Numbers only, in
 * typed arrays indexed by the pair's entry in {@link pairs}: 16 bytes a pair besides the set, and
 * no string key, object or COPY text per line (those took about 0.4 s per 80,000-row delta).
 * A full refresh's replay reads every delta into one of these ({@link startDelta}), which then
 * holds each pair's final event across all of them with the source that set it.
 */
export class DeltaEvents {
  /** The pairs, numbered from 0 in the order of their first line: the entries of the getters. */
  readonly pairs: PairSet = new PairSet();
  #kinds = new Uint8Array(1024);
  #reasons = new Uint8Array(1024);
  #ratings = new Int16Array(1024);
  #statuses = new Int16Array(1024);
  #episodes = new Int32Array(1024);
  #lines = new Int32Array(1024);
  #sources = new Int16Array(1024);
  // The delta being laid over the earlier ones (startDelta), 0 when the events are one delta's:
  // the entries it touched so far, in the order of their first line.
  #delta = 0;
  #deltaEntries = new Int32Array(1024);
  #deltaSize = 0;
  /** Valid lines overridden by a later line of their pair (of the current delta, after startDelta). */
  superseded = 0;

  /**
   * Bytes its arrays hold, the pair set's included: 16 a pair's event and 4 a pair the current
   * delta touched, in arrays grown by doubling, so 51 to 102 bytes a pair with the set's; of a
   * freshly doubled array only the half in use is resident.
   */
  get byteLength(): number {
    return this.#arrays().reduce((sum, array) => sum + array.byteLength, this.pairs.byteLength);
  }

  // Every array indexed by a pair's entry, besides the pair set's own.
  #arrays(): ArrayBufferView<ArrayBuffer>[] {
    return [
      this.#kinds,
      this.#reasons,
      this.#ratings,
      this.#statuses,
      this.#episodes,
      this.#lines,
      this.#sources,
      this.#deltaEntries,
    ];
  }

  /** Pairs, each with its final event. */
  get size(): number {
    return this.pairs.size;
  }

  /**
   * Empties the events, keeping their arrays: a replay reads its deltas one after the other into
   * the same object instead of leaving each one's megabytes for the collector.
   */
  clear(): void {
    this.pairs.clear();
    this.superseded = 0;
    this.#delta = 0;
    this.#deltaSize = 0;
  }

  /**
   * Lays a later delta's lines over the events already here: a replay reads every delta into one
   * object, so that each pair's final event across them is its last line (last line wins across
   * deltas in key order, as applying them one after the other leaves it), kept with the source id
   * of the delta that set it. From here `superseded` counts the later delta's own lines, and
   * {@link deltaEntries} lists the pairs it touches. One set lookup a line: reading each delta into
   * an object of its own and folding it into this one took a second lookup, in a table of several
   * megabytes, for each of its pairs.
   *
   * @param sourceId The delta's source id (1 to 32,767), as {@link heldBack} returns it.
   */
  startDelta(sourceId: number): void {
    if (!(sourceId >= 1 && sourceId <= 32_767)) throw new RangeError(`source id ${sourceId}`);
    this.#delta = sourceId;
    this.#deltaSize = 0;
    this.superseded = 0;
  }

  /** The entries of the pairs the delta begun by {@link startDelta} touched, in first-line order. */
  deltaEntries(): Int32Array {
    return this.#deltaEntries.slice(0, this.#deltaSize);
  }

  /**
   * Empties the events and returns their memory at once, the pair set's included (their buffers
   * detached, see `PairSet.release`): a full refresh's replay keeps only what its counts need once
   * the final rows are written.
   */
  release(): void {
    for (const array of this.#arrays()) freeArray(array);
    this.pairs.release();
    this.#kinds = new Uint8Array(1024);
    this.#reasons = new Uint8Array(1024);
    this.#ratings = new Int16Array(1024);
    this.#statuses = new Int16Array(1024);
    this.#episodes = new Int32Array(1024);
    this.#lines = new Int32Array(1024);
    this.#sources = new Int16Array(1024);
    this.#deltaEntries = new Int32Array(1024);
    this.superseded = 0;
    this.#delta = 0;
    this.#deltaSize = 0;
  }

  /** Records a line's event: it replaces its pair's earlier one, counted as superseded if valid. */
  add(userId: number, animeId: number, event: DeltaEvent): void {
    const size = this.pairs.size;
    const entry = this.pairs.add(userId, animeId);
    if (entry === size) this.#reserve(size + 1);
    if (this.#delta === 0) {
      if (entry !== size && this.#kinds[entry] !== INADMISSIBLE) this.superseded++;
    } else if (entry === size || this.#sources[entry] !== this.#delta) {
      // The pair's first line in this delta: an earlier delta's event of it is not superseded.
      this.#sources[entry] = this.#delta;
      this.#touch(entry);
    } else if (this.#kinds[entry] !== INADMISSIBLE) this.superseded++;
    this.#kinds[entry] = event.kind;
    this.#lines[entry] = event.line;
    const values = event.values;
    if (event.kind !== REMOVAL) {
      this.#ratings[entry] = values![0];
      this.#statuses[entry] = values![1];
      this.#episodes[entry] = values![2];
    }
    this.#reasons[entry] = event.kind === INADMISSIBLE ? REASONS.indexOf(event.heldReason!) : 0;
  }

  /** The kind of an entry's final event. */
  kind(entry: number): EventKind {
    return this.#kinds[entry] as EventKind;
  }

  /** The final events of this kind. */
  finalCount(kind: EventKind): number {
    let count = 0;
    for (let entry = 0; entry < this.size; entry++) if (this.#kinds[entry] === kind) count++;
    return count;
  }

  /**
   * The final event's fields of an entry, for a binary COPY in the column order of `anime_list`
   * (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line), counted
   * in the aggregates' tally. Its kind must be {@link UPSERT}.
   */
  writeListRow(rows: BinaryCopyRows, entry: number, tally: ListTally): void {
    tally.add(
      this.pairs.animeId(entry),
      this.#statuses[entry]!,
      this.#ratings[entry]!,
      this.#episodes[entry]!,
    );
    rows.startRow(7);
    rows.int4(this.pairs.userId(entry));
    rows.int4(this.pairs.animeId(entry));
    rows.int2(this.#ratings[entry]!);
    rows.int2(this.#statuses[entry]!);
    rows.int4(this.#episodes[entry]!);
    rows.int2(this.#sources[entry]!);
    rows.int4(this.#lines[entry]!);
  }

  /**
   * The final event of an entry as etl.held_back_list_rows keeps an inadmissible line: values,
   * source id (set by {@link startDelta}), line and reason.
   */
  heldBack(entry: number): {
    values: [number, number, number];
    sourceId: number;
    line: number;
    reason: InadmissibleReason;
  } {
    return {
      values: [this.#ratings[entry]!, this.#statuses[entry]!, this.#episodes[entry]!],
      sourceId: this.#sources[entry]!,
      line: this.#lines[entry]!,
      reason: REASONS[this.#reasons[entry]!]!,
    };
  }

  /**
   * The final event of an entry as a delta_events row (sql/deltas/copy_delta_events.sql): a
   * removal's values are NULL, and only an inadmissible line has a held_reason.
   */
  writeEventRow(rows: BinaryCopyRows, entry: number): void {
    rows.startRow(8);
    rows.int4(this.pairs.userId(entry));
    rows.int4(this.pairs.animeId(entry));
    const kind = this.#kinds[entry]!;
    if (kind === REMOVAL) {
      rows.null();
      rows.null();
      rows.null();
    } else {
      rows.int2(this.#ratings[entry]!);
      rows.int2(this.#statuses[entry]!);
      rows.int4(this.#episodes[entry]!);
    }
    rows.int4(this.#lines[entry]!);
    rows.int2(kind);
    if (kind === INADMISSIBLE) rows.text(REASON_BYTES[this.#reasons[entry]!]!);
    else rows.null();
  }

  #touch(entry: number): void {
    if (this.#deltaSize === this.#deltaEntries.length) {
      this.#deltaEntries = grown(this.#deltaEntries, new Int32Array(this.#deltaSize * 2));
    }
    this.#deltaEntries[this.#deltaSize++] = entry;
  }

  #reserve(size: number): void {
    if (size <= this.#kinds.length) return;
    const length = this.#kinds.length * 2;
    this.#kinds = grown(this.#kinds, new Uint8Array(length));
    this.#reasons = grown(this.#reasons, new Uint8Array(length));
    this.#ratings = grown(this.#ratings, new Int16Array(length));
    this.#statuses = grown(this.#statuses, new Int16Array(length));
    this.#episodes = grown(this.#episodes, new Int32Array(length));
    this.#lines = grown(this.#lines, new Int32Array(length));
    this.#sources = grown(this.#sources, new Int16Array(length));
  }
}

/**
 * Copies a delta's final events into a new temporary table delta_events, sorted by key (one binary
 * COPY from the typed arrays), then keys it.
 */
export async function copyEvents(
  tx: Pick<TransactionSql, "unsafe">,
  events: DeltaEvents,
): Promise<void> {
  await tx.unsafe(await sqlText("deltas/create_delta_events"));
  const order = events.pairs.sortedEntries();
  await copyBinaryRows(tx, {
    statement: await sqlText("deltas/copy_delta_events"),
    count: order.length,
    write: (rows, index) => events.writeEventRow(rows, order[index]!),
  });
  await tx.unsafe(await sqlText("deltas/key_delta_events"));
}

// The old array is freed at once: left for the collector, both copies stayed resident.
function grown<
  T extends Uint8Array<ArrayBuffer> | Int16Array<ArrayBuffer> | Int32Array<ArrayBuffer>,
>(
  old: T,
  into: T,
): T {
  into.set(old);
  freeArray(old);
  return into;
}
