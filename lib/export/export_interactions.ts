// Owns streaming anime_list out of PostgreSQL into the interactions part files, chunk by chunk.
/**
 * @example Write the interactions of the published run into a staging folder
 * ```ts ignore
 * import { exportInteractions } from "./export_interactions.ts";
 * const files = await exportInteractions(sql, published, { root: staging });
 * console.log(files.length, files.reduce((sum, file) => sum + file.rows, 0));
 * ```
 */
import type { Sql } from "postgres";
import type { Readable } from "node:stream";
import { sqlText } from "../db/sql_files.ts";
import { BinaryCopyDecoder } from "./copy_binary_decoder.ts";
import { type ExportColumn, INTERACTION_COLUMNS } from "./interaction_columns.ts";
import { InteractionParts, type PartFile } from "./interaction_parts.ts";
import { type PublishedRun, readInSnapshot } from "./published_snapshot.ts";

/** Options of {@link exportInteractions}. */
export interface ExportInteractionsOptions {
  /** Folder the `interactions/` files go under. */
  root: string;
  /** The columns; default {@link INTERACTION_COLUMNS} (user_id and anime_id first, the key). */
  columns?: readonly ExportColumn[];
  /**
   * Rows per COPY, each in its own short transaction on the snapshot; default 1,048,576 (about a
   * second), the longest a publish waits for the export.
   */
  chunkRows?: number;
  /** Rows per row group (default 262,144) and row groups per file (default 4). */
  rowsPerGroup?: number;
  groupsPerFile?: number;
  /** Called after each file is written, with the rows written so far. */
  onFile?: (file: PartFile, rowsSoFar: number) => void;
  /** Stops the export: the COPY in progress is cancelled. */
  signal?: AbortSignal;
}

/**
 * Streams `public.anime_list` in (user_id, anime_id) order through binary COPY, a chunk at a time,
 * into `interactions/part-NNNNN.parquet` files. Memory holds one file's rows at most (1,048,576
 * rows, about 23 MB in polars), whatever the table's size.
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
  const chunkRows = options.chunkRows ?? 1_048_576;
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
  const template = await sqlText("export/copy_interactions");
  let after: [number, number] | undefined;
  while (true) {
    options.signal?.throwIfAborted();
    const text = copyText(template, columns, after, chunkRows);
    const chunk = await readInSnapshot(sql, published, async (tx) => {
      const query = tx.unsafe(text);
      const decoder = new BinaryCopyDecoder(columns, parts.batch, () => parts.batchFull(), {
        keyColumns: 2,
      });
      await drain(await query.readable(), decoder, () => query.cancel(), options.signal);
      decoder.finish();
      return { rows: decoder.rows, lastKey: decoder.lastKey };
    });
    if (chunk.rows > 0) after = [chunk.lastKey[0]!, chunk.lastKey[1]!];
    if (chunk.rows < chunkRows) break;
  }
  return parts.finish();
}

function copyText(
  template: string,
  columns: readonly ExportColumn[],
  after: [number, number] | undefined,
  limit: number,
): string {
  const select = columns.map((column) =>
    column.select === undefined ? column.name : `${column.select} as ${column.name}`
  ).join(", ");
  const where = after === undefined
    ? ""
    : `where (user_id, anime_id) > (${Math.trunc(after[0])}, ${Math.trunc(after[1])})`;
  return template.replace(":columns", select).replace(":after", where).replace(
    ":limit",
    String(Math.trunc(limit)),
  );
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
// costs a promise per row, about three times the COPY's own time). On a failure or a stop the
// COPY is cancelled and the rest drained, so that the connection reaches the server's error and
// the transaction can roll back, instead of leaving the socket paused mid-COPY.
function drain(
  readable: Readable,
  decoder: BinaryCopyDecoder,
  cancel: () => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const fail = (error: unknown) => {
      if (failure !== undefined) return;
      failure = error;
      cancel();
    };
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
