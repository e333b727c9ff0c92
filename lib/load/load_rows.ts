// Owns loading a small source file row by row in JavaScript: validate, deduplicate, COPY, quarantine.
/**
 * @example Load watching_status.csv into its table
 * ```ts ignore
 * import { loadRows } from "./load_rows.ts";
 * const result = await loadRows(context, {
 *   required: ["status", "description"],
 *   copyStatement: "load/copy_watching_status",
 *   buildRow: (get) => ({ ok: true, key: Number(get("status")), values: [get("status"), get("description")] }),
 * });
 * ```
 */
import { readFields } from "../transform/record_fields.ts";
import type { RejectReason } from "../transform/values.ts";
import { copyTextRow, CopyWriter } from "./copy_writer.ts";
import type { FileLoadContext, FileLoadResult } from "./file_load.ts";
import { RejectSink } from "./reject_sink.ts";
import { scanSource } from "./scan_source.ts";
import { sqlText } from "./sql_files.ts";

/** A cleaned row with its primary key, or why the row is quarantined. */
export type BuiltRow =
  | { ok: true; key: number; values: (string | number | null)[] }
  | { ok: false; reason: RejectReason; detail: string };

/** How one small file maps onto one COPY target. */
export interface RowsSpec {
  /** Source column names the row builder reads. */
  required: readonly string[];
  /** sql/ file holding the `COPY ... FROM STDIN` (text format) statement. */
  copyStatement: string;
  /** Cleans one row; `get` returns a named field's text. */
  buildRow: (get: (name: string) => string) => BuiltRow;
  /** Rejects a row whose key is not acceptable, e.g. an anime id missing from anime.csv. */
  checkKey?: (key: number) => { reason: RejectReason; detail: string } | undefined;
}

/**
 * Loads a file through {@link RowsSpec}: the first row with a key wins, later ones are quarantined as
 * `duplicate_key` naming the line that won.
 *
 * @returns Row accounting and the keys loaded (for reference checks of later files).
 */
export async function loadRows(
  context: FileLoadContext,
  spec: RowsSpec,
): Promise<FileLoadResult & { keys: Set<number> }> {
  const rejects = new RejectSink(context.sql, context.runId, context.source.key);
  const writer = await CopyWriter.open(context.tx, await sqlText(spec.copyStatement));
  const firstLineOfKey = new Map<number, number>();
  let rowsLoaded = 0;
  try {
    const { rowsRead, header } = await scanSource(context.bytes, context.source.key, {
      required: spec.required,
      onRow(record, header) {
        const fields = readFields(record, header);
        if (!fields.ok) return rejects.addRecord(record, fields.reason, fields.detail);
        const row = spec.buildRow(fields.get);
        if (!row.ok) return rejects.addRecord(record, row.reason, row.detail);
        const firstLine = firstLineOfKey.get(row.key);
        if (firstLine !== undefined) {
          return rejects.addRecord(
            record,
            "duplicate_key",
            `key ${row.key} already loaded from line ${firstLine}`,
          );
        }
        const refused = spec.checkKey?.(row.key);
        if (refused) return rejects.addRecord(record, refused.reason, refused.detail);
        firstLineOfKey.set(row.key, record.line);
        writer.queueText(copyTextRow(row.values));
        rowsLoaded++;
      },
      async afterChunk() {
        await writer.flushIfFull();
        await rejects.flushIfFull();
      },
      onProgress: context.onProgress,
    });
    await writer.end();
    await rejects.close();
    return {
      rowsRead,
      rowsLoaded,
      rowsQuarantined: rejects.count,
      rejectsByReason: Object.fromEntries(rejects.countsByReason),
      ignoredColumns: header.ignored,
      keys: new Set(firstLineOfKey.keys()),
    };
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rejects.close().catch(() => {});
    throw error;
  }
}
