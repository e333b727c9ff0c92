// Owns loading a small source file row by row in JavaScript: validate, deduplicate, COPY, quarantine.
/**
 * @example Describe watching_status.csv as a source loaded row by row
 * ```ts ignore
 * import { rowsSource } from "./load_rows.ts";
 * const spec = rowsSource({
 *   file: "watching_status.csv",
 *   columns: ["status", "description"],
 *   keyColumn: "status",
 *   singleLineColumns: "all",
 *   buildRow: (get) => ({ ok: true, key: Number(get("status")), values: [get("status"), get("description")] }),
 *   copy: "load/copy_watching_status",
 *   provides: "watching_status",
 * });
 * const { result } = await spec.load(context);
 * ```
 */
import { type CsvRecord, fieldText } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import { scanSource } from "../extract/scan_source.ts";
import type { SourceFile } from "../extract/source_objects.ts";
import type { RowBuilder } from "../transform/built_row.ts";
import { copyRow, type CopyValue } from "../transform/copy_text_row.ts";
import { describeMissingReference } from "../transform/missing_reference.ts";
import { readFields } from "../transform/record_fields.ts";
import { RowEncoder, type RowEncoding } from "../transform/row_encoder.ts";
import { parseInteger, type RejectReason } from "../transform/values.ts";
import { sqlText } from "../db/sql_files.ts";
import { CopyWriter } from "./copy_writer.ts";
import {
  type FileLoadContext,
  type FileLoaded,
  type KeyKind,
  type KeySet,
  neededKeys,
  type SourceSpec,
  unknownKeyReason,
} from "./file_load.ts";
import { HeldCopyRows } from "./held_copy_rows.ts";
import { RejectSink } from "./reject_sink.ts";

// Bytes of the streamed table's rows gathered before they are sent, as CopyWriter gathers its own.
const STREAM_BYTES = 256 * 1024;

/** How one small file maps onto one COPY target. */
export interface RowsSpec {
  file: SourceFile;
  /** Source column names the row builder reads. */
  columns: readonly string[];
  /** Column holding the row's key (the id other files refer to). */
  keyColumn: string;
  /**
   * Columns that never hold a line break (numbers), or `"all"` when no column does: a line break
   * in a quoted value there ends the record.
   */
  singleLineColumns: "all" | readonly string[];
  /** Cleans one row. */
  buildRow: RowBuilder;
  /** sql/ file holding the `COPY ... FROM STDIN` (text format) statement. */
  copy: string;
  /** The rows `copy` receives of one cleaned row's values; default: the values, as one row. */
  copyRows?: RowsTarget["rows"];
  /**
   * Further tables the cleaned rows fill, each by its own COPY once the file has streamed into
   * `copy` (one COPY runs at a time; a dimension file's rows are small enough to hold).
   */
  alsoCopy?: readonly RowsTarget[];
  /**
   * The same cleaning and rows straight from the record's bytes, for the records of the common
   * shape (lib/transform/row_encoder.ts); its tables are `copy`'s, then each of `alsoCopy`. The
   * records it declines go through `buildRow`.
   */
  encoding?: RowEncoding;
  /** The kind of key the file's keys are to later files. */
  provides?: KeyKind;
  /** A kind of key each row's own key must be among, e.g. a synopsis's MAL_ID among the anime. */
  keyIn?: KeyKind;
}

/** One table a split row fills: its COPY statement and its rows of one cleaned row. */
export interface RowsTarget {
  /** sql/ file holding the `COPY ... FROM STDIN` (text format) statement. */
  copy: string;
  /** The table's rows of one cleaned row's values: often one, none or several for a list. */
  rows: (values: readonly CopyValue[]) => readonly (readonly CopyValue[])[];
}

/**
 * Describes a file loaded through {@link RowsSpec}: the first row with a key wins, later ones are
 * quarantined as `duplicate_key` naming the line that won; a key missing from `keyIn` is
 * quarantined as unknown.
 *
 * @returns The file's entry for the source table.
 */
export function rowsSource(spec: RowsSpec): SourceSpec {
  return {
    file: spec.file,
    columns: spec.columns,
    copy: spec.copy,
    ...(spec.provides ? { provides: spec.provides } : {}),
    needs: spec.keyIn ? [spec.keyIn] : [],
    load: (context) => loadRows(context, spec),
    readAhead: (context) => readRowsAhead(context, spec),
  };
}

// Streams the file into `copy` as it is read, then the held tables.
async function loadRows(context: FileLoadContext, spec: RowsSpec): Promise<FileLoaded> {
  const writer = await CopyWriter.open(context.tx, await sqlText(spec.copy));
  let read: ReadRows;
  try {
    read = await readRows(context, spec, writer);
    await sendHeld(writer, read.streamRows);
    read.streamRows = new HeldCopyRows();
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  await copyAllHeld(context, spec, read.heldRows);
  return read.loaded;
}

// Reads and checks the whole file holding every COPY row, with no statement on the transaction
// (its rejects go to their own connection as they come); the COPYs follow when called.
async function readRowsAhead(
  context: FileLoadContext,
  spec: RowsSpec,
): Promise<() => Promise<FileLoaded>> {
  const read = await readRows(context, spec, undefined);
  return async () => {
    await copyHeld(context, spec.copy, read.streamRows);
    read.streamRows = new HeldCopyRows();
    await copyAllHeld(context, spec, read.heldRows);
    return read.loaded;
  };
}

// What reading a file gave: its result and keys, and the COPY rows not sent yet.
interface ReadRows {
  loaded: FileLoaded;
  /** The rows of `copy` not sent yet: all of them when no writer streamed them. */
  streamRows: HeldCopyRows;
  /** The rows of each `alsoCopy` table. */
  heldRows: HeldCopyRows[];
}

// Scans, validates and deduplicates the file; `copy`'s rows go to `writer` as they come (all but
// the last ones, which the caller sends), or are held when there is none. Its rejects are written
// and committed before it returns.
async function readRows(
  context: FileLoadContext,
  spec: RowsSpec,
  writer: CopyWriter | undefined,
): Promise<ReadRows> {
  const checkKey = spec.keyIn
    ? keyCheck(spec.keyColumn, neededKeys(context, spec.keyIn))
    : undefined;
  const rejects = new RejectSink(context.sql, context.runId, context.source.key, context.signal);
  const rowsOf = spec.copyRows ?? ((values: readonly CopyValue[]) => [values]);
  const held = spec.alsoCopy ?? [];
  // `copy`'s rows, sent between chunks when a writer streams them.
  let streamRows = new HeldCopyRows();
  // The other tables' COPY rows, sent once the streamed COPY is done (one COPY at a time).
  const heldRows = held.map(() => new HeldCopyRows());
  let encoder: RowEncoder | undefined;
  // Where the encoder writes: the streamed table's rows, then the held tables'.
  const sinks = [streamRows, ...heldRows];
  const firstLineOfKey = new Map<number, number>();
  const quarantinedKeys = new Map<number, { line: number; reason: RejectReason }>();
  let rowsLoaded = 0;
  let linesLoaded = 0;
  // Remembers which keys were quarantined, so that references to them can say so.
  const rememberKey = (record: CsvRecord, header: HeaderMap, reason: RejectReason) => {
    const position = header.index.get(spec.keyColumn)!;
    if (position >= record.fieldCount) return;
    let parsed;
    try {
      parsed = parseInteger(fieldText(record, position), { min: 0 });
    } catch {
      return; // not UTF-8: no key to remember
    }
    if (parsed.ok && parsed.value !== null && !quarantinedKeys.has(parsed.value)) {
      quarantinedKeys.set(parsed.value, { line: record.line, reason });
    }
  };
  try {
    const { rowsRead, header, lines } = await scanSource(context.bytes, context.source.key, {
      required: spec.columns,
      singleLineColumns: spec.singleLineColumns,
      onHeader(header) {
        if (spec.encoding) encoder = new RowEncoder(header, spec.encoding);
      },
      onRow(record, header) {
        const quarantine = (reason: RejectReason, detail: string) => {
          rejects.addRecord(record, reason, detail);
          if (reason !== "duplicate_key") rememberKey(record, header, reason);
        };
        const encodedKey = encoder?.prepare(record);
        if (encodedKey !== undefined) {
          const firstLine = firstLineOfKey.get(encodedKey);
          if (firstLine !== undefined) {
            return quarantine(
              "duplicate_key",
              `key ${encodedKey} already loaded from line ${firstLine}`,
            );
          }
          const refused = checkKey?.(encodedKey);
          if (refused) return quarantine(refused.reason, refused.detail);
          firstLineOfKey.set(encodedKey, record.line);
          encoder!.write(record, sinks);
          rowsLoaded++;
          linesLoaded += record.lineCount;
          return;
        }
        const fields = readFields(record, header);
        if (!fields.ok) return quarantine(fields.reason, fields.detail);
        const row = spec.buildRow(fields.get, fields.text);
        if (!row.ok) return quarantine(row.reason, row.detail);
        const firstLine = firstLineOfKey.get(row.key);
        if (firstLine !== undefined) {
          return quarantine(
            "duplicate_key",
            `key ${row.key} already loaded from line ${firstLine}`,
          );
        }
        const refused = checkKey?.(row.key);
        if (refused) return quarantine(refused.reason, refused.detail);
        firstLineOfKey.set(row.key, record.line);
        for (const values of rowsOf(row.values)) streamRows.push(copyRow(values));
        for (let i = 0; i < held.length; i++) {
          for (const values of held[i]!.rows(row.values)) heldRows[i]!.push(copyRow(values));
        }
        rowsLoaded++;
        linesLoaded += record.lineCount;
      },
      async afterChunk() {
        if (writer && streamRows.bytes >= STREAM_BYTES) {
          const full = streamRows;
          streamRows = sinks[0] = new HeldCopyRows();
          await sendHeld(writer, full);
        }
        await rejects.flushIfFull();
      },
      onProgress: context.onProgress,
    });
    await rejects.close();
    for (const key of firstLineOfKey.keys()) quarantinedKeys.delete(key);
    return {
      loaded: {
        result: {
          rowsRead,
          rowsLoaded,
          rowsQuarantined: rejects.count,
          rejectsByReason: Object.fromEntries(rejects.countsByReason),
          ignoredColumns: header.ignored,
          lines: {
            total: lines.total,
            header: lines.header,
            loaded: linesLoaded,
            quarantined: rejects.lines,
            blank: lines.blank,
          },
        },
        provided: { loaded: new Set(firstLineOfKey.keys()), quarantined: quarantinedKeys },
      },
      streamRows,
      heldRows,
    };
  } catch (error) {
    await rejects.close().catch(() => {});
    throw error;
  }
}

// The held rows of every `alsoCopy` table, one COPY each; each list is let go once sent.
async function copyAllHeld(
  context: FileLoadContext,
  spec: RowsSpec,
  heldRows: HeldCopyRows[],
): Promise<void> {
  const held = spec.alsoCopy ?? [];
  for (let i = 0; i < held.length; i++) {
    await copyHeld(context, held[i]!.copy, heldRows[i]!);
    heldRows[i] = new HeldCopyRows();
  }
}

// One COPY of rows kept in memory while the file streamed.
async function copyHeld(context: FileLoadContext, copy: string, rows: HeldCopyRows): Promise<void> {
  const writer = await CopyWriter.open(context.tx, await sqlText(copy));
  try {
    await sendHeld(writer, rows);
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

async function sendHeld(writer: CopyWriter, rows: HeldCopyRows): Promise<void> {
  for (const chunk of rows.chunks()) await writer.writeBytes(chunk);
}

// A row whose key is missing from the keys of another file, e.g. a synopsis of an unknown anime.
function keyCheck(column: string, keys: KeySet) {
  return (key: number): { reason: RejectReason; detail: string } | undefined =>
    keys.loaded.has(key) ? undefined : {
      reason: unknownKeyReason(keys.kind),
      detail: describeMissingReference({ column, key, file: keys.file }, keys.quarantined),
    };
}
