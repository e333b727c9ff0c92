// Owns loading a small source file row by row in JavaScript: validate, deduplicate, COPY, quarantine.
/**
 * @example Load watching_status.csv into its table
 * ```ts ignore
 * import { loadRows } from "./load_rows.ts";
 * const result = await loadRows(context, {
 *   required: ["status", "description"],
 *   keyColumn: "status",
 *   singleLineColumns: "all",
 *   copyStatement: "load/copy_watching_status",
 *   buildRow: (get) => ({ ok: true, key: Number(get("status")), values: [get("status"), get("description")] }),
 * });
 * ```
 */
import { type CsvRecord, fieldText } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import type { QuarantinedKeys } from "../transform/missing_reference.ts";
import { readFields } from "../transform/record_fields.ts";
import type { RowBuilder } from "../transform/built_row.ts";
import { copyRow } from "../transform/copy_text_row.ts";
import { parseInteger, type RejectReason } from "../transform/values.ts";
import { CopyWriter } from "./copy_writer.ts";
import type { FileLoadContext, FileLoadResult } from "./file_load.ts";
import { RejectSink } from "./reject_sink.ts";
import { scanSource } from "../extract/scan_source.ts";
import { sqlText } from "../db/sql_files.ts";

/** How one small file maps onto one COPY target. */
export interface RowsSpec {
  /** Source column names the row builder reads. */
  required: readonly string[];
  /** Column holding the row's key (the id other files refer to). */
  keyColumn: string;
  /**
   * Columns that never hold a line break (numbers), or `"all"` when no column does: a line break
   * in a quoted value there ends the record.
   */
  singleLineColumns: "all" | readonly string[];
  /** sql/ file holding the `COPY ... FROM STDIN` (text format) statement. */
  copyStatement: string;
  /** Cleans one row. */
  buildRow: RowBuilder;
  /** Rejects a row whose key is not acceptable, e.g. an anime id missing from anime.csv. */
  checkKey?: (key: number) => { reason: RejectReason; detail: string } | undefined;
}

/** What {@link loadRows} did, with the keys later files may refer to. */
export interface RowsResult extends FileLoadResult {
  /** Keys loaded. */
  keys: Set<number>;
  /** Keys of quarantined rows that no loaded row has, with the first such row's line and reason. */
  quarantinedKeys: QuarantinedKeys;
}

/**
 * Loads a file through {@link RowsSpec}: the first row with a key wins, later ones are quarantined as
 * `duplicate_key` naming the line that won.
 *
 * @returns Row and line accounting and the keys loaded and quarantined (for reference checks of
 *   later files).
 */
export async function loadRows(context: FileLoadContext, spec: RowsSpec): Promise<RowsResult> {
  const rejects = new RejectSink(context.sql, context.runId, context.source.key);
  const writer = await CopyWriter.open(context.tx, await sqlText(spec.copyStatement));
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
      required: spec.required,
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
        const refused = spec.checkKey?.(row.key);
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
    for (const key of firstLineOfKey.keys()) quarantinedKeys.delete(key);
    return {
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
      keys: new Set(firstLineOfKey.keys()),
      quarantinedKeys,
    };
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rejects.close().catch(() => {});
    throw error;
  }
}
