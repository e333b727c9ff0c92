// Owns streaming anime_list out of PostgreSQL into the interactions part files, chunk by chunk.
/**
 * @example Write the interactions of the published run into a staging folder
 * ```ts ignore
 * import { exportInteractions } from "./export_interactions.ts";
 * const files = await exportInteractions(sql, published, { root: staging });
 * console.log(files.length, files.reduce((sum, file) => sum + file.rows, 0));
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import type { Readable } from "node:stream";
import { sqlText } from "../db/sql_files.ts";
import { BinaryCopyDecoder } from "./copy_binary_decoder.ts";
import { copyOutTapOf } from "./copy_out_tap.ts";
import { ColumnBatch } from "./column_batch.ts";
import { type ExportColumn, INTERACTION_COLUMNS } from "./interaction_columns.ts";
import { InteractionParts, type PartFile } from "./interaction_parts.ts";
import { keyOrder } from "./key_order.ts";
import { type PublishedRun, readInSnapshot } from "./published_snapshot.ts";
import {
  cutSpilledRange,
  readSpilledRange,
  type SpilledRange,
  UserRangeSpill,
} from "./user_range_spill.ts";

/** Options of {@link exportInteractions}. */
export interface ExportInteractionsOptions {
  /** Folder the `interactions/` files go under. */
  root: string;
  /** The columns; default {@link INTERACTION_COLUMNS} (user_id and anime_id first, the key). */
  columns?: readonly ExportColumn[];
  /**
   * Rows per COPY (as heap blocks of about that many rows), each in its own short transaction on
   * the snapshot; default 1,048,576 (about a quarter of a second), the longest a publish waits.
   */
  chunkRows?: number;
  /**
   * Rows per user range sorted in memory; default 262,144 (about 7 MB of typed arrays while it is
   * sorted; with 1,048,576 the 8M-row bench's export peaked 30 MB higher, and the gather from the
   * sorted order ran at half the speed, its arrays no longer in the CPU's cache). A range that
   * holds more than twice as many is cut again before it is read.
   */
  rangeRows?: number;
  /**
   * Sessions that COPY chunks at once (the pool needs as many connections to spare beside the
   * snapshot's); default 2.
   */
  connections?: number;
  /** Rows per row group (default 262,144) and row groups per file (default 4). */
  rowsPerGroup?: number;
  groupsPerFile?: number;
  /**
   * Folder the rows are spilled under (in a folder of their own, removed when the export ends,
   * however it ends); default the system's temporary folder.
   */
  tempDir?: string;
  /** Called after each file is written, with the rows written so far. */
  onFile?: (file: PartFile, rowsSoFar: number) => void;
  /**
   * Called during the scan, every 65,536 rows or so read from PostgreSQL, with the rows read so far
   * and the planner's estimate of the table's rows; and once more with `done` when the scan ends
   * (before the ranges are sorted and written).
   */
  onScan?: (progress: ScanProgress) => void;
  /** Stops the export: the COPY in progress is cancelled. */
  signal?: AbortSignal;
  /**
   * Runs on this thread once the last file is asked for, while the Worker writes it (the export
   * writes its anime file then); waited for before this resolves.
   */
  whileWritingLastFile?: () => Promise<void>;
}

/** How far the scan of anime_list is, as {@link ExportInteractionsOptions.onScan} gets it. */
export interface ScanProgress {
  rowsRead: number;
  /** The planner's estimate of the table's rows (never below 1; not exact). */
  estimatedRows: number;
  /** True once, when every chunk has been read. */
  done: boolean;
}

// Rows per 8 kB heap page of anime_list when the planner has no estimate yet (7 columns, 18 bytes
// of data and a 24-byte tuple header: about 157 rows a page).
const ROWS_PER_BLOCK_GUESS = 150;
// Open files of the spill at most; ranges of 262,144 rows reach it at a billion rows.
const MAX_RANGES = 4_096;

/**
 * Writes `public.anime_list` as `interactions/part-NNNNN.parquet`, sorted by (user_id, anime_id).
 * PostgreSQL sends the heap in its own order (binary COPY of block ranges, each chunk in a short
 * transaction on the snapshot), which costs what a sequential scan costs; the exporter spills each
 * row to a local file of its user range, then reads the ranges back in user order, sorts each in
 * memory and writes the part files. Memory holds a range's rows and a file's frames (about 7 and
 * 23 MB at the defaults), whatever the table's size; the spill is in a temporary folder that is
 * removed when the export ends, however it ends.
 *
 * @returns The files, in order.
 * @throws {PipelineError} `EXPORT_SUPERSEDED` when a publish replaced the table meanwhile,
 *   `INTERRUPTED` (the signal's reason) when stopped.
 */
export async function exportInteractions(
  sql: Sql,
  published: PublishedRun,
  options: ExportInteractionsOptions,
): Promise<PartFile[]> {
  const columns = options.columns ?? INTERACTION_COLUMNS;
  const copied = columns.filter((column) => column.fromSource === undefined);
  if (copied[0]?.name !== "user_id" || copied[1]?.name !== "anime_id") {
    throw new Error("Cannot export interactions: the first columns must be user_id and anime_id");
  }
  const layout = await readInSnapshot(sql, published, (tx) => readLayout(tx));
  const rangeRows = options.rangeRows ?? 262_144;
  let rowsSoFar = 0;
  const parts = new InteractionParts(options.root, {
    columns,
    ...(options.rowsPerGroup ? { rowsPerGroup: options.rowsPerGroup } : {}),
    ...(options.groupsPerFile ? { groupsPerFile: options.groupsPerFile } : {}),
    onFile: (file) => {
      rowsSoFar += file.rows;
      options.onFile?.(file, rowsSoFar);
    },
  });
  try {
    if (layout.firstUser !== null && layout.lastUser !== null) {
      const users = { firstUser: layout.firstUser, lastUser: layout.lastUser };
      await spillAndWrite(sql, published, parts, { ...layout, ...users }, {
        ...options,
        columns,
        copied,
        rangeRows,
      });
    }
    return await parts.finish(options.whileWritingLastFile);
  } finally {
    // Also on a failure or a stop: the file being written is finished, and the Worker ended,
    // before the caller removes the staging folder.
    await parts.close();
  }
}

// Scans the table into the spill, then sorts and writes the ranges in user order.
async function spillAndWrite(
  sql: Sql,
  published: PublishedRun,
  parts: InteractionParts,
  layout: Layout & { firstUser: number; lastUser: number },
  options: ExportInteractionsOptions & {
    columns: readonly ExportColumn[];
    copied: readonly ExportColumn[];
    rangeRows: number;
  },
): Promise<void> {
  const { columns, copied, rangeRows } = options;
  const spillDir = await Deno.makeTempDir({
    prefix: "anime-export-spill-",
    ...(options.tempDir ? { dir: options.tempDir } : {}),
  });
  try {
    const spill = new UserRangeSpill(spillDir, copied, {
      firstUser: layout.firstUser,
      lastUser: layout.lastUser,
      ranges: Math.min(MAX_RANGES, Math.ceil(layout.estimatedRows / rangeRows)),
    });
    let pending: SpilledRange[];
    try {
      const rowsRead = await copyInto(sql, published, spill, copied, layout, options);
      pending = spill.finish();
      options.onScan?.({ rowsRead, estimatedRows: layout.estimatedRows, done: true });
    } catch (error) {
      spill.close();
      throw error;
    }
    const writer = new RangeWriter(parts, columns, copied, layout.sourceDates, {
      // Every range is read into the same arrays: those of the largest one sorted as it is.
      rows: Math.max(1, ...pending.map((range) => range.rows <= 2 * rangeRows ? range.rows : 0)),
    });
    while (pending.length > 0) {
      options.signal?.throwIfAborted();
      const range = pending.shift()!;
      if (range.rows > 2 * rangeRows && range.firstUser < range.lastUser) {
        // Users' rows are not spread evenly: a range too large to sort in memory is cut again.
        pending.unshift(...cutSpilledRange(range, spillDir, Math.ceil(range.rows / rangeRows)));
      } else {
        await writer.write(range);
      }
      if (range.path !== undefined) Deno.removeSync(range.path);
      await yieldToEventLoop();
    }
  } finally {
    await Deno.remove(spillDir, { recursive: true }).catch(() => {});
  }
}

// Lets the finalizers of the frames written run (they release polars' native memory), and a stop
// request be seen. A timer, not setImmediate: that costs microseconds instead of a millisecond or
// two, but the 32M-row export peaked at 255 MB with it against 234 MB.
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

interface Layout {
  blocks: number;
  /** The table's rows as the planner estimates them (never below 1). */
  estimatedRows: number;
  firstUser: number | null;
  lastUser: number | null;
  /** as_of of each source_id as days since 1970-01-01, null when undated. */
  sourceDates: Map<number, number | null>;
}

async function readLayout(tx: TransactionSql): Promise<Layout> {
  const [row] = await tx.unsafe<
    {
      blocks: number;
      estimated_rows: number;
      first_user: number | null;
      last_user: number | null;
    }[]
  >(await sqlText("export/interactions_layout"));
  const dates = await tx.unsafe<{ source_id: number; as_of_days: number | null }[]>(
    await sqlText("export/source_dates"),
  );
  const blocks = row!.blocks;
  return {
    blocks,
    estimatedRows: Math.max(
      1,
      row!.estimated_rows >= 0 ? row!.estimated_rows : blocks * ROWS_PER_BLOCK_GUESS,
    ),
    firstUser: row!.first_user,
    lastUser: row!.last_user,
    sourceDates: new Map(dates.map((date) => [date.source_id, date.as_of_days])),
  };
}

// COPYs the heap into the spill, a block range per short transaction, over `connections` sessions
// at once (the server's scan is the export's longest part; the rows' order does not matter here).
// The last chunk has no upper bound, so rows in blocks added since the size was read are not
// missed. When one session fails the others' COPYs are cancelled, and the first failure is thrown
// once every session is done.
async function copyInto(
  sql: Sql,
  published: PublishedRun,
  spill: UserRangeSpill,
  copied: readonly ExportColumn[],
  layout: Layout,
  options: ExportInteractionsOptions,
): Promise<number> {
  const template = await sqlText("export/copy_interactions");
  const rowsPerBlock = layout.blocks > 0 ? layout.estimatedRows / layout.blocks : 1;
  const chunkBlocks = Math.max(1, Math.floor((options.chunkRows ?? 1_048_576) / rowsPerBlock));
  const chunks: string[] = [];
  for (let from = 0; from === 0 || from < layout.blocks; from += chunkBlocks) {
    const to = from + chunkBlocks < layout.blocks ? from + chunkBlocks : undefined;
    chunks.push(copyText(template, copied, from, to));
  }
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  let rowsRead = 0;
  const spillBatch = (batch: ColumnBatch) => {
    spill.add(batch);
    rowsRead += batch.length;
    batch.length = 0;
    options.onScan?.({ rowsRead, estimatedRows: layout.estimatedRows, done: false });
  };
  const tap = copyOutTapOf(sql);
  const session = async () => {
    const batch = new ColumnBatch(copied, 65_536);
    for (let text = chunks.shift(); text !== undefined; text = chunks.shift()) {
      signal.throwIfAborted();
      await readInSnapshot(sql, published, async (tx) => {
        const decoder = new BinaryCopyDecoder(copied, batch, () => spillBatch(batch));
        // With a tap the rows come off the socket, not through the query's stream (see
        // CopyOutTap), as soon as the COPY starts: a failure to decode them is kept until the
        // stream is drained, which then cancels the COPY as it does for its own chunks.
        let release = () => {};
        let tapFailure: unknown;
        let failDrain: ((error: unknown) => void) | undefined;
        if (tap !== undefined) {
          const [backend] = await tx.unsafe<{ pid: number }[]>(await sqlText("export/backend_pid"));
          release = tap.expect(backend!.pid, (bytes) => {
            if (tapFailure !== undefined) return;
            try {
              decoder.push(bytes);
            } catch (error) {
              tapFailure = error;
              failDrain?.(error);
            }
          });
        }
        try {
          const query = tx.unsafe(text!);
          await drain(await query.readable(), decoder, () => query.cancel(), signal, (fail) => {
            failDrain = fail;
            if (tapFailure !== undefined) fail(tapFailure);
          });
        } finally {
          release();
        }
        decoder.finish();
        spillBatch(batch);
      });
    }
  };
  const sessions = Math.max(1, Math.min(options.connections ?? 2, chunks.length));
  await Promise.allSettled(
    Array.from({ length: sessions }, () => session().catch((error) => failed.abort(error))),
  );
  if (failed.signal.aborted) throw failed.signal.reason;
  return rowsRead;
}

function copyText(
  template: string,
  columns: readonly ExportColumn[],
  fromBlock: number,
  toBlock: number | undefined,
): string {
  const select = columns.map((column) =>
    column.select === undefined ? column.name : `${column.select} as ${column.name}`
  ).join(", ");
  const tid = (block: number) => `'(${Math.trunc(block)},0)'::tid`;
  const blocks = `where ctid >= ${tid(fromBlock)}` +
    (toBlock === undefined ? "" : ` and ctid < ${tid(toBlock)}`);
  return template.replace(":columns", select).replace(":blocks", blocks);
}

// Sorts one spilled range at a time and feeds its rows, in key order, to the part files, adding
// the columns looked up from the row's source.
class RangeWriter {
  readonly #parts: InteractionParts;
  readonly #columns: readonly ExportColumn[];
  readonly #copied: readonly ExportColumn[];
  readonly #sourceIndex: number;
  // Indexed by source_id + 32,768 (an int2): the date's days and 1 where it is null.
  readonly #dates = new Int32Array(65_536);
  readonly #undated = new Uint8Array(65_536).fill(1);
  #rows: ColumnBatch;
  #order: Uint32Array;
  #spare: Uint32Array;

  constructor(
    parts: InteractionParts,
    columns: readonly ExportColumn[],
    copied: readonly ExportColumn[],
    sourceDates: Map<number, number | null>,
    capacity: { rows: number },
  ) {
    this.#rows = new ColumnBatch(copied, capacity.rows);
    this.#order = new Uint32Array(capacity.rows);
    this.#spare = new Uint32Array(capacity.rows);
    this.#parts = parts;
    this.#columns = columns;
    this.#copied = copied;
    this.#sourceIndex = copied.findIndex((column) => column.name === "source_id");
    if (columns.some((column) => column.fromSource) && this.#sourceIndex < 0) {
      throw new Error("Cannot export as_of: the columns do not select source_id");
    }
    for (const [source, days] of sourceDates) {
      if (source < -32_768 || source > 32_767 || days === null) continue;
      this.#dates[source + 32_768] = days;
      this.#undated[source + 32_768] = 0;
    }
  }

  async write(range: SpilledRange): Promise<void> {
    if (range.rows === 0) return;
    if (this.#rows.capacity < range.rows) {
      this.#rows = new ColumnBatch(this.#copied, range.rows);
      this.#order = new Uint32Array(range.rows);
      this.#spare = new Uint32Array(range.rows);
    }
    const rows = this.#rows;
    readSpilledRange(range, rows);
    const order = keyOrder(
      rows.values[0] as Int32Array,
      rows.values[1] as Int32Array,
      rows.length,
      {
        order: this.#order,
        spare: this.#spare,
      },
    );
    const parts = this.#parts;
    for (let done = 0; done < rows.length;) {
      const batch = parts.batch;
      const start = batch.length;
      const count = Math.min(batch.capacity - start, rows.length - done);
      let copiedIndex = 0;
      this.#columns.forEach((column, c) => {
        const into = batch.values[c]!;
        if (column.fromSource === undefined) {
          gather(into, rows.values[copiedIndex++]!, order, done, start, count);
        } else {
          gatherDates(
            into as Int32Array,
            batch.nulls[c],
            rows.values[this.#sourceIndex]!,
            this.#dates,
            this.#undated,
            { order, from: done, to: start, count },
          );
        }
      });
      batch.length = start + count;
      done += count;
      if (batch.length === batch.capacity) await parts.batchFull();
    }
  }
}

// `into[to + i] = from[order[start + i]]`, for each type pair apart so that each loop sees one
// kind of array (one function over Int16Array and Int32Array runs several times slower).
function gather(
  into: Int16Array | Int32Array,
  from: Int16Array | Int32Array,
  order: Uint32Array,
  start: number,
  to: number,
  count: number,
) {
  if (into instanceof Int32Array && from instanceof Int32Array) {
    gatherInt32(into, from, order, start, to, count);
  } else if (into instanceof Int16Array && from instanceof Int16Array) {
    gatherInt16(into, from, order, start, to, count);
  } else {
    throw new Error("Cannot export interactions: a column's type differs from its COPY's");
  }
}

function gatherInt32(
  into: Int32Array,
  from: Int32Array,
  order: Uint32Array,
  start: number,
  to: number,
  count: number,
) {
  for (let i = 0; i < count; i++) into[to + i] = from[order[start + i]!]!;
}

function gatherInt16(
  into: Int16Array,
  from: Int16Array,
  order: Uint32Array,
  start: number,
  to: number,
  count: number,
) {
  for (let i = 0; i < count; i++) into[to + i] = from[order[start + i]!]!;
}

// The as_of column: each row's source's date (by source_id + 32,768), null where it has none.
function gatherDates(
  into: Int32Array,
  nulls: Uint8Array | undefined,
  sources: Int16Array | Int32Array,
  dates: Int32Array,
  undated: Uint8Array,
  at: { order: Uint32Array; from: number; to: number; count: number },
) {
  const { order, from, to, count } = at;
  for (let i = 0; i < count; i++) {
    const source = sources[order[from + i]!]! + 32_768;
    into[to + i] = dates[source]!;
    if (nulls) nulls[to + i] = undated[source]!;
  }
}

// postgres.js pauses its socket when the COPY stream's buffer is full and resumes it only from
// the stream's _read, which Node never calls once the stream has ended. When the last rows and
// CopyDone arrive in one socket read before the stream is read (a small chunk), the socket stays
// paused and the transaction's COMMIT is never answered: the export hung about every other run
// (porsager/postgres#499; the fix, #1016, is not released). Calling _read once more resumes it.
/** Resumes the connection under a finished `COPY ... TO STDOUT` stream (see the comment above). */
export function resumeSocket(readable: Readable) {
  try {
    (readable as unknown as { _read(size: number): void })._read(0);
  } catch (error) {
    // A connection the server closed (sessions terminated) has no socket left to resume.
    if (!(error instanceof TypeError)) throw error;
  }
}

// Feeds every chunk of the COPY to the decoder as it arrives ('data' events: an async iterator
// costs a promise per row, about three times the COPY's own time); `onFail` gets the function that
// fails the COPY, for rows decoded elsewhere (a tapped COPY's stream has none). On a failure or a stop the
// COPY is cancelled and the rest drained, so that the connection reaches the server's error and
// the transaction can roll back, instead of leaving the socket paused mid-COPY.
function drain(
  readable: Readable,
  decoder: BinaryCopyDecoder,
  cancel: () => void,
  signal: AbortSignal | undefined,
  onFail?: (fail: (error: unknown) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const fail = (error: unknown) => {
      if (failure !== undefined) return;
      failure = error;
      cancel();
    };
    onFail?.(fail);
    const onAbort = () => fail(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (error?: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      resumeSocket(readable);
      if (failure !== undefined) reject(failure);
      else if (error !== undefined) reject(error);
      else resolve();
    };
    readable.on("data", (chunk: Uint8Array) => {
      if (failure !== undefined) return;
      try {
        decoder.push(chunk);
      } catch (error) {
        fail(error);
      }
    });
    readable.on("end", () => settle());
    readable.on("error", (error) => settle(error));
  });
}
