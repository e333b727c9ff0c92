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
import { copyRow } from "../transform/copy_text_row.ts";
import { describeMissingReference } from "../transform/missing_reference.ts";
import { readFields } from "../transform/record_fields.ts";
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
import { RejectSink } from "./reject_sink.ts";

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
  /** sql/ statements run before the COPY, e.g. creating the staging table it fills. */
  before?: readonly string[];
  /** sql/ file holding the `COPY ... FROM STDIN` (text format) statement. */
  copy: string;
  /** sql/ statements run once the rows are in, e.g. distributing them over the star tables. */
  after?: readonly string[];
  /** The kind of key the file's keys are to later files. */
  provides?: KeyKind;
  /** A kind of key each row's own key must be among, e.g. a synopsis's MAL_ID among the anime. */
  keyIn?: KeyKind;
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
  };
}

async function loadRows(context: FileLoadContext, spec: RowsSpec): Promise<FileLoaded> {
  for (const name of spec.before ?? []) await context.tx.unsafe(await sqlText(name));
  const checkKey = spec.keyIn
    ? keyCheck(spec.keyColumn, neededKeys(context, spec.keyIn))
    : undefined;
  const rejects = new RejectSink(context.sql, context.runId, context.source.key);
  const writer = await CopyWriter.open(context.tx, await sqlText(spec.copy));
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
      onRow(record, header) {
        const quarantine = (reason: RejectReason, detail: string) => {
          rejects.addRecord(record, reason, detail);
          if (reason !== "duplicate_key") rememberKey(record, header, reason);
        };
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
        writer.queue(copyRow(row.values));
        rowsLoaded++;
        linesLoaded += record.lineCount;
      },
      async afterChunk() {
        await writer.flushIfFull();
        await rejects.flushIfFull();
      },
      onProgress: context.onProgress,
    });
    await writer.end();
    await rejects.close();
    for (const name of spec.after ?? []) await context.tx.unsafe(await sqlText(name));
    for (const key of firstLineOfKey.keys()) quarantinedKeys.delete(key);
    return {
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
    };
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rejects.close().catch(() => {});
    throw error;
  }
}

// A row whose key is missing from the keys of another file, e.g. a synopsis of an unknown anime.
function keyCheck(column: string, keys: KeySet) {
  return (key: number): { reason: RejectReason; detail: string } | undefined =>
    keys.loaded.has(key) ? undefined : {
      reason: unknownKeyReason(keys.kind),
      detail: describeMissingReference({ column, key, file: keys.file }, keys.quarantined),
    };
}
